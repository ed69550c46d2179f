/**
 * File transports: a source that reads the files appearing in a directory and a sink that
 * appends messages to files.
 */
package io.sluice.transport.file;
