package org.clonefarm.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a careless or hostile client gets from the HTTP API (issue #20): every mistake is answered with
 * a problem document that says what to send instead, nothing it uploads is written to disk, and the
 * server's log gets no stack trace for it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HttpClientMistakesTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static RunningApi api;

    @BeforeAll
    static void start() throws Exception {
        api = new RunningApi(KAFKA, "httpmistakes.", Duration.ofMillis(20));
    }

    @AfterAll
    static void stop() throws Exception {
        if (api != null) {
            api.close();
        }
    }

    /** A multipart upload is refused with 415 before its body is read, and no file appears in the service's directory. */
    @Test
    void multipartUploadIsRefusedAndNeverWrittenToDisk() throws Exception {
        Path workingDir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        List<String> before = listing(workingDir);

        String spec = RunningApi.spec("upload", "LNXU001-LNXU002", "10.1.1.61");
        for (String path : List.of("/api/batches", "/api/batches/nosuch/cancel", "/api/batches/nosuch/retry")) {
            HttpResponse<String> response = postMultipart(path, spec);
            JsonObject problem = problem(response, 415);
            assertThat(problem.getString("type")).isEqualTo("urn:clonefarm:problem:unsupported-media-type");
            assertThat(problem.getString("detail")).as(path).contains("multipart/form-data")
                    .contains(path.equals("/api/batches") ? "application/yaml" : "application/json");
        }

        assertThat(listing(workingDir)).as("files under %s", workingDir).isEqualTo(before);
        assertThat(workingDir.resolve("file-uploads")).doesNotExist();
    }

    /**
     * HEAD /health (and the dashboard page) answers like GET, 200 without a body, without a token, on
     * HTTP/1.1 (curl -I) and HTTP/2 alike; GET still carries the body.
     */
    @Test
    void headOnHealthAnswersLikeGetWithoutAToken() throws Exception {
        for (java.net.http.HttpClient.Version version : java.net.http.HttpClient.Version.values()) {
            for (String[] page : new String[][] {{"/health", "application/json"}, {"/", "text/html; charset=utf-8"}}) {
                String what = "HEAD " + page[0] + " over " + version;
                HttpResponse<String> head = api.http.send(HttpRequest.newBuilder(api.uri(page[0])).version(version)
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(head.statusCode()).as(what).isEqualTo(200);
                assertThat(head.body()).as(what).isEmpty();
                assertThat(head.headers().firstValue("Content-Type")).as(what).hasValue(page[1]);
            }
        }
        assertThat(new JsonObject(api.get("/health", null).body()).getString("status")).isEqualTo("UP");
        assertThat(api.get("/", null).body()).contains("<html");
    }

    /** A path or query with a broken %-escape is a 400 problem naming the escape, and leaves no stack trace in the log. */
    @Test
    void badPercentEncodingIsAProblemWithoutAStackTraceInTheLog() throws Exception {
        String log = capturingStandardError(() -> {
            for (String path : List.of("/api/batches/%zz", "/api/clones/LNX%", "/nothing%E0%A4%A",
                    "/api/events?batch=%zz&access_token=" + RunningApi.TOKEN, "/api/batches?x=%g1")) {
                Reply reply = rawRequest("GET", path, RunningApi.TOKEN);
                assertThat(reply.status()).as(path).isEqualTo(400);
                assertThat(reply.contentType()).as(path).isEqualTo("application/problem+json");
                JsonObject problem = new JsonObject(reply.body());
                assertThat(problem.getString("type")).isEqualTo("urn:clonefarm:problem:bad-uri");
                assertThat(problem.getString("detail")).as(path).contains("percent-encoding");
            }
        });
        assertThat(log).doesNotContain("\tat io.vertx").doesNotContain("Unhandled exception");
    }

    /** A form-encoded body (curl -d without a Content-Type) is refused at any size, saying which types to send. */
    @Test
    void formEncodedSpecIsRefusedWithTheMediaTypesToSend() throws Exception {
        String small = RunningApi.spec("formsmall", "LNXF001-LNXF002", "10.1.1.71");
        StringBuilder large = new StringBuilder(RunningApi.spec("formlarge", "LNXF101-LNXF102", "10.1.1.81"));
        while (large.length() < 10_000) {
            large.append("# padding, a comment line in the spec to push its size over 8 KB\n");
        }
        String log = capturingStandardError(() -> {
            for (String spec : List.of(small, large.toString())) {
                HttpResponse<String> response = api.post("/api/batches", spec, "application/x-www-form-urlencoded");
                JsonObject problem = problem(response, 415);
                assertThat(problem.getString("detail")).contains("application/x-www-form-urlencoded")
                        .contains("application/yaml").contains("--data-binary");
            }
            HttpResponse<String> cancel = api.post("/api/batches/nosuch/cancel", "userids=LINUX001",
                    "application/x-www-form-urlencoded");
            assertThat(problem(cancel, 415).getString("detail")).contains("application/json");
        });
        assertThat(log).doesNotContain("\tat io.vertx").doesNotContain("Unhandled exception");
        assertThat(api.get("/api/batches/formlarge", RunningApi.TOKEN).statusCode()).isEqualTo(404);
    }

    /** userids that is not an array of strings is a 400 naming the field and the type it must have, never a JVM message. */
    @Test
    void cancelWithUseridsOfTheWrongTypeNamesTheFieldAndTheExpectedType() throws Exception {
        HttpResponse<String> string = api.post("/api/batches/nosuch/cancel", "{\"userids\":\"LINUX001\"}", "application/json");
        JsonObject problem = problem(string, 400);
        assertThat(problem.getString("type")).isEqualTo("urn:clonefarm:problem:bad-body");
        assertThat(problem.getString("detail")).contains("userids").contains("array of strings").contains("a string")
                .doesNotContain("java.").doesNotContain("cannot be cast");

        HttpResponse<String> object = api.post("/api/batches/nosuch/retry", "{\"userids\":{\"a\":1}}", "application/json");
        assertThat(problem(object, 400).getString("detail")).contains("userids").contains("array of strings")
                .contains("an object").doesNotContain("java.");

        HttpResponse<String> number = api.post("/api/batches/nosuch/cancel", "{\"userids\":[\"LINUX001\",7]}",
                "application/json");
        assertThat(problem(number, 400).getString("detail")).contains("userids[1]").contains("string")
                .contains("a number");

        HttpResponse<String> explicitNull = api.post("/api/batches/nosuch/cancel", "{\"userids\":null}",
                "application/json");
        assertThat(problem(explicitNull, 400).getString("detail")).contains("userids").contains("got null");

        HttpResponse<String> array = api.post("/api/batches/nosuch/cancel", "[\"LINUX001\"]", "application/json");
        assertThat(problem(array, 400).getString("detail")).contains("JSON object").doesNotContain("java.");

        // the right shape still reaches the command: an unknown batch is a 404
        HttpResponse<String> right = api.post("/api/batches/nosuch/cancel", "{\"userids\":[\"linux001\"]}",
                "application/json");
        assertThat(right.statusCode()).as(right.body()).isEqualTo(404);
    }

    private static JsonObject problem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getInteger("status")).isEqualTo(status);
        assertThat(problem.getString("title")).isNotBlank();
        return problem;
    }

    private static HttpResponse<String> postMultipart(String path, String fileContent) throws Exception {
        String boundary = "clonefarm-test-boundary-7d3f";
        String body = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"spec\"; filename=\"spec.yaml\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n"
                + fileContent + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
                + "hello\r\n"
                + "--" + boundary + "--\r\n";
        return api.post(path, body, "multipart/form-data; boundary=" + boundary);
    }

    /** Every file and directory under {@code dir}, target/ (the build's output) excepted. */
    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.map(dir::relativize).map(Path::toString)
                    .filter(p -> !p.equals("target") && !p.startsWith("target" + java.io.File.separator))
                    .sorted().toList();
        }
    }

    private record Reply(int status, String contentType, String body) {
    }

    /**
     * A request over a plain socket with the URI sent exactly as given (java.net.URI refuses a broken
     * %-escape); HTTP/1.1 with Connection: close, so the response ends where the stream does.
     */
    private static Reply rawRequest(String method, String uri, String token) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", api.server.port())) {
            socket.setSoTimeout(30_000);
            String request = method + " " + uri + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int headEnd = response.indexOf("\r\n\r\n");
            assertThat(headEnd).as("end of the response head in %s", response).isPositive();
            String[] head = response.substring(0, headEnd).split("\r\n");
            String contentType = null;
            for (int i = 1; i < head.length; i++) {
                if (head[i].regionMatches(true, 0, "Content-Type:", 0, 13)) {
                    contentType = head[i].substring(13).strip();
                }
            }
            return new Reply(Integer.parseInt(head[0].split(" ")[1]), contentType, response.substring(headEnd + 4));
        }
    }

    interface Action {
        void run() throws Exception;
    }

    /** Runs {@code action} and returns what was written to standard error meanwhile (the test log: slf4j-simple). */
    private static String capturingStandardError(Action action) throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                captured.write(b);
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                original.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        System.setErr(tee);
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
