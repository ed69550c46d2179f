/**
 * The demos behind {@code sluice demo} (a gateway with four network transports under load, live view
 * and exact accounting) and {@code sluice overflow-demo} (the overflow policies side by side). They
 * print to the terminal they are given.
 */
package io.sluice.demo;
