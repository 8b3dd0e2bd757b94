package org.clonefarm.coordinator.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * Where the coordinator's HTTP API listens and how it checks callers.
 *
 * @param host the address to bind, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
 * @param port 1-65535, or 0 for any free port
 * @param token the bearer token every request but {@code /health} and the dashboard's static files
 *     must carry; null only on a loopback address, where anyone on the machine may call
 * @throws IllegalArgumentException for a bad port, an unknown host, or a non-loopback address
 *     without a token (the API can submit and cancel batches: it is never open to the network)
 */
public record HttpSettings(String host, int port, ApiToken token) {

    public HttpSettings {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("HTTP port " + port + " is not 0-65535");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("HTTP listen address '" + host + "' does not resolve", e);
        }
        if (token == null && !address.isLoopbackAddress()) {
            throw new IllegalArgumentException("refusing to serve the HTTP API on " + host
                    + " (not a loopback address) without an API token: give an API token file, or listen on 127.0.0.1");
        }
    }

    /** The loopback address with any free port and the given token. */
    public static HttpSettings loopback(ApiToken token) {
        return new HttpSettings("127.0.0.1", 0, token);
    }
}
