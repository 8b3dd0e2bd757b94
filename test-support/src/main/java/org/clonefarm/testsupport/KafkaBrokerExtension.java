package org.clonefarm.testsupport;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a test class the bootstrap servers of a real Kafka broker, started before the first test and
 * stopped after the last, even when tests fail.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
 * ... KafkaSettings.of(KAFKA.bootstrapServers()) ...
 * }</pre>
 *
 * <p>Which broker: system property {@code clonefarm.test.kafka} = {@code auto} (default: a
 * Testcontainers container where a Docker engine answers, otherwise the in-process KRaft broker),
 * {@code testcontainers} or {@code kraft}. The same tests run on either, so nothing is skipped on a
 * machine without Docker. The container image is {@code clonefarm.test.kafka.image}.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerExtension.class);
    public static final String MODE_PROPERTY = "clonefarm.test.kafka";
    public static final String IMAGE_PROPERTY = "clonefarm.test.kafka.image";
    public static final String DEFAULT_IMAGE = "apache/kafka:4.1.1";

    private KafkaBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        broker = start(System.getProperty(MODE_PROPERTY, "auto"));
        LOG.info("{} uses a {} Kafka broker at {}", context.getDisplayName(), broker.kind(),
                broker.bootstrapServers());
    }

    /** Starts a broker of the requested mode; the caller closes it. */
    public static KafkaBroker start(String mode) throws Exception {
        switch (mode) {
            case "testcontainers":
                return ContainerKafkaBroker.start(System.getProperty(IMAGE_PROPERTY, DEFAULT_IMAGE));
            case "kraft":
                return InProcessKafkaBroker.start();
            case "auto":
                return ContainerKafkaBroker.dockerAvailable()
                        ? ContainerKafkaBroker.start(System.getProperty(IMAGE_PROPERTY, DEFAULT_IMAGE))
                        : InProcessKafkaBroker.start();
            default:
                throw new IllegalArgumentException(MODE_PROPERTY + "=" + mode
                        + " is not one of auto, testcontainers, kraft");
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    /** The running broker; only between beforeAll and afterAll. */
    public KafkaBroker broker() {
        if (broker == null) {
            throw new IllegalStateException("the Kafka broker runs only while the test class runs;"
                    + " register the extension on a static field");
        }
        return broker;
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }
}
