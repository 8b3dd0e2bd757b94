package org.clonefarm.cli;

import java.nio.file.Path;
import org.clonefarm.coordinator.http.ApiToken;
import org.clonefarm.coordinator.http.HttpSettings;
import picocli.CommandLine.Option;

/**
 * The HTTP API options of the commands that run a coordinator ({@code up}, {@code coordinator}), a
 * picocli mixin: where the API and dashboard listen and where the bearer token comes from.
 */
public final class HttpOptions {

    @Option(names = "--http-host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address of the HTTP API and dashboard (default: ${DEFAULT-VALUE}). Any other than a"
                    + " loopback address needs a token, which is always the case here: see --api-token-file.")
    String host;

    @Option(names = "--http-port", paramLabel = "N", defaultValue = "8080",
            description = "Port of the HTTP API and dashboard: 1-65535, or 0 for any free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--api-token-file", paramLabel = "FILE",
            description = "File whose first line is the API bearer token (at least 16 characters). Default: DATA/api-token,"
                    + " created with mode 0600 on first start.")
    Path tokenFile;

    /**
     * The settings, with the token from {@code --api-token-file} or the data directory's token file.
     *
     * @throws UserError naming the option for a bad port, address or token file
     */
    public HttpSettings settings(Path dataDir) {
        ApiToken token;
        try {
            token = tokenFile != null ? ApiToken.fromFile(tokenFile) : ApiToken.ofDataDirectory(dataDir);
        } catch (ApiToken.ApiTokenException e) {
            throw UserError.usage("--api-token-file: " + e.getMessage() + ".");
        }
        try {
            return new HttpSettings(host, port, token);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--http-host/--http-port: " + e.getMessage() + ".");
        }
    }
}
