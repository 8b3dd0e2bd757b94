/**
 * The Kafka side of the contract, shared by the coordinator, the workers and the guest agent: topic names
 * and settings ({@link org.clonefarm.messaging.TopicLayout}), every client setting ({@link
 * org.clonefarm.messaging.KafkaSettings}), encoding and decoding of records, event publishing, the dead-
 * letter topic, and the farm key that signs clone requests. Knows nothing of Vert.x, the z/VM model or the
 * services.
 */
package org.clonefarm.messaging;
