package org.clonefarm.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dashboard in a real headless Chromium: the page, given the token in its URL fragment, follows
 * a batch submitted after it loaded, live over SSE, until every clone shows READY.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    /** The page's state as JSON text; while the page is still loading, what is missing. */
    private static final String STATUS = """
            (() => { try { return JSON.stringify({
              cells: document.querySelectorAll('#grid .cell').length,
              ready: document.querySelectorAll('#grid .cell[data-state="READY"]').length,
              logged: Array.from(document.querySelectorAll('#log li')).filter(li => li.textContent.endsWith(' ready READY')).length,
              overview: document.getElementById('overall-text').textContent,
              connection: document.getElementById('connection').textContent,
              detail: document.getElementById('detail').hidden ? '' : document.getElementById('detail-title').textContent,
              history: document.querySelectorAll('#detail-history li').length
            }); } catch (e) { return JSON.stringify({loading: String(e)}); } })()""";

    /** Every clone of a small batch turns READY in the grid, with the facts in the live log; a screenshot is kept. */
    @Test
    void gridShowsEveryCloneReadyLiveOverServerSentEvents() throws Exception {
        Path target = Path.of("target");
        Files.createDirectories(target);
        try (RunningApi api = new RunningApi(KAFKA, "dashboard.", Duration.ofMillis(150));
                HeadlessChromium chromium = HeadlessChromium.launch(target.resolve("chromium-dashboard.log"))) {
            chromium.navigate(api.uri("/").toString() + "#token=" + RunningApi.TOKEN);
            awaitPage(chromium, "the page to connect its event stream", "live", page -> page.path("connection").asText());

            HttpResponse<String> submitted = api.post("/api/batches",
                    RunningApi.spec("web-demo", "LINUX001-LINUX006", "10.1.1.21"), "application/yaml");
            assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);

            JsonNode done = awaitPage(chromium, "every clone READY in the grid and the overview", "6/6 true",
                    page -> page.path("ready").asInt() + "/" + page.path("cells").asInt() + " "
                            + page.path("overview").asText().contains("6/6 clones finished"));
            assertThat(done.path("logged").asInt()).as("ready facts in the live event log").isEqualTo(6);
            assertThat(done.path("overview").asText()).contains("web-demo").contains("6/6 clones finished")
                    .contains("384.0 MiB of 384.0 MiB");

            chromium.evaluate("document.querySelector('#grid .cell[data-userid=\"LINUX003\"]').click()");
            awaitPage(chromium, "the clone detail view with its history", "LINUX003 true",
                    page -> page.path("detail").asText() + " " + (page.path("history").asInt() > 10));
            assertThat(chromium.evaluate("document.getElementById('detail-history').textContent").asText())
                    .contains("clone_planned").contains("ready");
            chromium.screenshot(target.resolve("dashboard.png"));
            assertThat(chromium.pageExceptions()).as("uncaught exceptions in the page").isEmpty();
        }
    }

    private static JsonNode awaitPage(HeadlessChromium chromium, String what, String expected,
            java.util.function.Function<JsonNode, String> probe) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String seen = null;
        JsonNode page = null;
        while (System.nanoTime() < deadline) {
            page = new ObjectMapper().readTree(chromium.evaluate(STATUS).asText());
            seen = probe.apply(page);
            if (expected.equals(seen)) {
                return page;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("waited 60 s for " + what + ": expected " + expected + ", page shows " + seen
                + " (" + page + "); page exceptions: " + chromium.pageExceptions());
    }
}
