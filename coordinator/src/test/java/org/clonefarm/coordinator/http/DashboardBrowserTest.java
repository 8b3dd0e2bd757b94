package org.clonefarm.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dashboard in a real headless Chromium: the page, given the token in its URL fragment, follows
 * a batch submitted after it loaded, live over SSE, until every clone shows READY, and draws the
 * batch's throughput over time and each clone's time per step.
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
              history: document.querySelectorAll('#detail-history li').length,
              chartBytes: document.getElementById('throughput-chart').dataset.bytes || '',
              chartPoints: Number(document.getElementById('throughput-chart').dataset.points || 0),
              chartLine: (document.querySelector('#throughput-chart path.line') || {getAttribute: () => ''}).getAttribute('d') || '',
              chartText: document.getElementById('throughput-text').textContent,
              steps: Array.from(document.querySelectorAll('#step-table tr[data-step]')).map(tr => tr.dataset.step + ':' + tr.dataset.clones).join(' '),
              copyMedian: (document.querySelector('#step-table tr[data-step="copy"] td.median') || {}).textContent || '',
              cloneRows: Array.from(document.querySelectorAll('#clone-steps g.clone-row')).map(g => g.dataset.userid + ':' + g.querySelectorAll('rect').length).join(' ')
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

    /**
     * The page, loaded before the batch existed, draws its throughput over time with every byte of the batch,
     * the distribution of each step's duration over its clones, and each clone's steps as bars.
     */
    @Test
    void pageDrawsTheBatchThroughputAndEachClonesTimePerStep() throws Exception {
        Path target = Path.of("target");
        Files.createDirectories(target);
        try (RunningApi api = new RunningApi(KAFKA, "dashboard-timeline.", Duration.ofMillis(150));
                HeadlessChromium chromium = HeadlessChromium.launch(target.resolve("chromium-timeline.log"))) {
            chromium.navigate(api.uri("/").toString() + "#token=" + RunningApi.TOKEN);
            awaitPage(chromium, "the page to connect its event stream", "live", page -> page.path("connection").asText());
            HttpResponse<String> submitted = api.post("/api/batches",
                    RunningApi.spec("web-steps", "LINUX001-LINUX006", "10.1.1.21"), "application/yaml");
            assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);

            // the pictures follow the facts as they come: every byte in the throughput chart, every step of every clone
            JsonNode pictures = awaitPage(chromium, "the throughput chart with every byte and every step for 6 clones",
                    "402653184 queue:6 copy:6 start:6 boot:6 finalize:6 reboot:6 total:6",
                    page -> page.path("chartBytes").asText() + " " + page.path("steps").asText());
            assertThat(pictures.path("chartPoints").asInt()).as("throughput buckets").isPositive();
            // a step of the line per bucket: "M" then "L" to each corner
            assertThat(pictures.path("chartLine").asText()).startsWith("M")
                    .matches(d -> d.split("L").length >= 2 * pictures.path("chartPoints").asInt(), "a corner per bucket");
            assertThat(pictures.path("chartText").asText()).startsWith("384.0 MiB copied in");
            assertThat(pictures.path("copyMedian").asText()).as("median copy time").matches("\\d+(\\.\\d)? s");
            assertThat(pictures.path("cloneRows").asText()).as("each clone's six steps, as bars")
                    .isEqualTo("LINUX001:6 LINUX002:6 LINUX003:6 LINUX004:6 LINUX005:6 LINUX006:6");

            chromium.screenshot(target.resolve("dashboard-timeline.png"));
            assertThat(chromium.pageExceptions()).as("uncaught exceptions in the page").isEmpty();
        }
    }

    /** Polls the page's state until {@code probe} of it reads {@code expected}; returns that state. */
    private static JsonNode awaitPage(HeadlessChromium chromium, String what, String expected,
            java.util.function.Function<JsonNode, String> probe) {
        AtomicReference<JsonNode> page = new AtomicReference<>();
        await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            page.set(new ObjectMapper().readTree(chromium.evaluate(STATUS).asText()));
            assertThat(probe.apply(page.get())).as("%s; the page: %s; page exceptions: %s", what, page.get(),
                    chromium.pageExceptions()).isEqualTo(expected);
        });
        return page.get();
    }
}
