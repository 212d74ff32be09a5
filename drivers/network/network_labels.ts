/**
 * The labels network drivers report: the client class that drives them
 * (upstream's) and the transport they connect with.
 *
 * @module
 */

/** The client label upstream's network drivers report. */
export const NETWORK_CLIENT = "jumpstarter_driver_network.client.NetworkClient";

/** Label telling clients which transport a network driver connects with. */
export const TRANSPORT_LABEL = "jumpstarter.dev/network/transport";
