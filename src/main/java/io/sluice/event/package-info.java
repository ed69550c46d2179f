/**
 * The event dispatcher and its events: {@link io.sluice.event.EventDispatcher} delivers
 * per-event callbacks (pipeline started/stopped, connections opened/closed/failed, drops, stage
 * errors) and bounded views of the event stream; every event is a {@link io.sluice.event.SluiceEvent}.
 */
package io.sluice.event;
