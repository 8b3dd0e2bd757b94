package org.clonefarm.coordinator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.clonefarm.platform.io.FileTrees;

/**
 * The system's Chromium, headless, driven over the Chrome DevTools Protocol on a
 * {@link java.net.http.WebSocket}: launch with a fresh profile, open the page target, navigate,
 * evaluate JavaScript, take screenshots. {@link #close()} kills the browser and deletes the profile.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final List<String> CANDIDATES = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<String> exceptions = new CopyOnWriteArrayList<>();

    private HeadlessChromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** The Chromium binary; an AssertionError (not a skip) saying how to install it when there is none. */
    static Path binary() {
        for (String candidate : CANDIDATES) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        throw new AssertionError("Chromium is missing (looked for " + CANDIDATES + "): the dashboard test needs it;"
                + " run the tests with bin/test, which installs it, or `apt-get install -y chromium`");
    }

    static HeadlessChromium launch(Path logFile) throws Exception {
        Path profile = Files.createTempDirectory("clonefarm-chromium-");
        List<String> command = List.of(binary().toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1400,1000", "about:blank");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile());
        // Chromium makes org.chromium.Chromium.* directories in TMPDIR and leaves them: keep them in the profile,
        // which close() deletes
        builder.environment().put("TMPDIR", Files.createDirectory(profile.resolve("tmp")).toString());
        Process process = builder.start();
        HeadlessChromium chromium = null;
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(portFile) || Files.readAllLines(portFile).size() < 2) {
                if (!process.isAlive()) {
                    throw new AssertionError("Chromium exited with " + process.exitValue() + " before serving DevTools: "
                            + Files.readString(logFile));
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("Chromium did not write " + portFile + " within 30 s");
                }
                Thread.sleep(50);
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).strip());
            HttpClient http = HttpClient.newHttpClient();
            String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            String pageSocket = null;
            for (JsonNode target : JSON.readTree(list)) {
                if ("page".equals(target.path("type").asText())) {
                    pageSocket = target.path("webSocketDebuggerUrl").asText();
                    break;
                }
            }
            if (pageSocket == null) {
                throw new AssertionError("Chromium has no page target: " + list);
            }
            Listener listener = new Listener();
            WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), listener).get(10, TimeUnit.SECONDS);
            chromium = new HeadlessChromium(process, profile, socket);
            listener.owner = chromium;
            chromium.call("Runtime.enable", JSON.createObjectNode());
            chromium.call("Page.enable", JSON.createObjectNode());
            return chromium;
        } catch (Exception | AssertionError e) {
            if (chromium == null) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                FileTrees.deleteTree(profile);
            } else {
                chromium.close();
            }
            throw e;
        }
    }

    /** Sends a CDP command and waits (10 s) for its result. */
    JsonNode call(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        pending.put(id, result);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        socket.sendText(JSON.writeValueAsString(message), true).get(10, TimeUnit.SECONDS);
        JsonNode reply = result.get(10, TimeUnit.SECONDS);
        if (reply.has("error")) {
            throw new AssertionError(method + " failed: " + reply.get("error"));
        }
        return reply.path("result");
    }

    void navigate(String url) throws Exception {
        call("Page.navigate", JSON.createObjectNode().put("url", url));
    }

    /** Evaluates an expression in the page and returns its value (JSON). */
    JsonNode evaluate(String expression) throws Exception {
        JsonNode result = call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        if (result.has("exceptionDetails")) {
            throw new AssertionError("page threw on `" + expression + "`: " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    void screenshot(Path file) throws Exception {
        JsonNode shot = call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"));
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
    }

    /** Uncaught exceptions the page reported so far. */
    List<String> pageExceptions() {
        return new ArrayList<>(exceptions);
    }

    private void onMessage(String text) {
        try {
            JsonNode message = JSON.readTree(text);
            if (message.has("id")) {
                CompletableFuture<JsonNode> waiter = pending.remove(message.get("id").asInt());
                if (waiter != null) {
                    waiter.complete(message);
                }
            } else if ("Runtime.exceptionThrown".equals(message.path("method").asText())) {
                exceptions.add(message.path("params").path("exceptionDetails").toString());
            }
        } catch (IOException e) {
            exceptions.add("unreadable DevTools message: " + e.getMessage());
        }
    }

    @Override
    public void close() throws Exception {
        List<ProcessHandle> helpers = process.descendants().toList();
        try {
            socket.abort();
        } finally {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            // renderer and GPU helpers are children of the browser: make sure none outlives the test
            helpers.forEach(ProcessHandle::destroyForcibly);
            FileTrees.deleteTree(profile);
        }
    }

    /** Collects (possibly fragmented) text frames into CDP messages. */
    private static final class Listener implements WebSocket.Listener {
        private final StringBuilder buffer = new StringBuilder();
        private volatile HeadlessChromium owner;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            buffer.append(data);
            if (last) {
                String text = buffer.toString();
                buffer.setLength(0);
                HeadlessChromium chromium = owner;
                if (chromium != null) {
                    chromium.onMessage(text);
                }
            }
            webSocket.request(1);
            return null;
        }
    }
}
