#!/usr/bin/env bash
# Creates clonefarm's topics and ACLs on the secured compose cluster, as the brokers' own super user
# (User:broker), then exits; running it again changes nothing. The topics are messaging's TopicLayout on
# three brokers, the ACLs the cli's ClusterPrincipal (the table in docs/kafka.md); the deploy-check tests
# hold both equal, line for line.
set -euo pipefail

bootstrap=kafka-1:9092,kafka-2:9092,kafka-3:9092
admin=/etc/kafka/secrets/admin.properties
bin=/opt/kafka/bin

# topic NAME PARTITIONS REPLICAS [CONFIG=VALUE...]
topic() {
    local name=$1 partitions=$2 replicas=$3
    shift 3
    local configs=()
    for config in "$@"; do configs+=(--config "$config"); done
    "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --command-config "$admin" --create --if-not-exists \
        --topic "$name" --partitions "$partitions" --replication-factor "$replicas" "${configs[@]}"
}

# acl PRINCIPAL topic|group|transactional-id NAME literal|prefixed OPERATION...: allow, from any host
acl() {
    local principal=$1 type=$2 name=$3 pattern=$4
    shift 4
    local operations=()
    for operation in "$@"; do operations+=(--operation "$operation"); done
    "$bin/kafka-acls.sh" --bootstrap-server "$bootstrap" --command-config "$admin" --add \
        --allow-principal "User:$principal" --resource-pattern-type "$pattern" "--$type" "$name" "${operations[@]}"
}

until "$bin/kafka-broker-api-versions.sh" --bootstrap-server "$bootstrap" --command-config "$admin" >/dev/null 2>&1; do
    echo "kafka-setup: waiting for the brokers"
    sleep 2
done

# replication factor min(3, brokers) and min.insync.replicas one less, as TopicLayout creates them
topic clonefarm.clone-requests 12 3 min.insync.replicas=2
topic clonefarm.events 12 3 min.insync.replicas=2
topic clonefarm.status 6 3 min.insync.replicas=2 cleanup.policy=compact
topic clonefarm.dlq 1 3 min.insync.replicas=2
topic clonefarm.guest-events 12 3 min.insync.replicas=2

acl coordinator topic clonefarm.clone-requests literal Write
acl coordinator topic clonefarm.events literal Read Write
acl coordinator topic clonefarm.status literal Read Write
acl coordinator topic clonefarm.dlq literal Write
acl coordinator topic clonefarm.guest-events literal Read
acl coordinator topic clonefarm. prefixed Describe DescribeConfigs
acl coordinator group clonefarm.guest-relay literal Read
acl coordinator transactional-id clonefarm.guest-relay literal Write
acl worker topic clonefarm.clone-requests literal Read
acl worker topic clonefarm.events literal Read Write
acl worker topic clonefarm.dlq literal Write
acl worker topic clonefarm. prefixed Describe DescribeConfigs
acl worker group clonefarm-workers literal Read
acl guest topic clonefarm.guest-events literal Write
acl operator topic clonefarm. prefixed Create Describe DescribeConfigs
acl operator topic clonefarm.clone-requests literal Write
acl operator topic clonefarm.events literal Read Write
acl operator topic clonefarm.status literal Read
acl operator topic clonefarm.dlq literal Read

"$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --command-config "$admin" --alter \
    --entity-type users --entity-name guest --add-config producer_byte_rate=1048576
echo "kafka-setup: topics and ACLs are in place"
