#!/usr/bin/env bash
# The command of each node of the secured compose cluster (apache/kafka image). The image's own start
# formats the storage with the cluster id only, but SCRAM users must exist from the first start (the
# brokers log in to each other with one), so this script:
#   1. writes the node's server.properties from its KAFKA_* variables by the image's rule (KAFKA_ + the
#      property upper-cased, '.' -> '_', '_' -> '__', '-' -> '___'), plus the secrets from
#      /etc/kafka/secrets (made by make-secrets.sh): the keystore password and the brokers' SCRAM login;
#   2. formats the storage once, with every SCRAM-SHA-512 user of secrets/kafka/scram/ (--add-scram);
#   3. starts Kafka.
set -euo pipefail

kafka_home="${KAFKA_HOME:-/opt/kafka}"
secrets="${KAFKA_SECRETS_DIR:-/etc/kafka/secrets}"
config="$kafka_home/config/clonefarm-node.properties"
# the image's variables that are not broker properties
not_properties='^KAFKA_(HOME|SECRETS_DIR|VERSION|HEAP_OPTS|LOG4J_OPTS|OPTS|JMX_OPTS|JVM_PERFORMANCE_OPTS|GC_LOG_OPTS|LOG4J_ROOT_LOGLEVEL|LOG4J_LOGGERS|TOOLS_LOG4J_LOGLEVEL|JMX_HOSTNAME)='

umask 077
{
    env | grep -E '^KAFKA_[A-Z0-9_]+=' | grep -Ev "$not_properties" | sort | while IFS= read -r variable; do
        name="${variable%%=*}"
        value="${variable#*=}"
        property="$(printf '%s' "${name#KAFKA_}" | tr '[:upper:]' '[:lower:]' \
            | sed -e 's/___/-/g' -e 's/__/#/g' -e 's/_/./g' -e 's/#/_/g')"
        printf '%s=%s\n' "$property" "$value"
    done
    keystore_password="$(cat "$secrets/keystore.password")"
    printf 'ssl.keystore.password=%s\nssl.key.password=%s\n' "$keystore_password" "$keystore_password"
    printf 'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="%s";\n' \
        "$(cat "$secrets/scram/broker.password")"
} > "$config"

if [ ! -f "${KAFKA_LOG_DIRS}/meta.properties" ]; then
    users=()
    for file in "$secrets"/scram/*.password; do
        users+=(--add-scram "SCRAM-SHA-512=[name=$(basename "$file" .password),password=$(cat "$file")]")
    done
    echo "kafka-node: formatting ${KAFKA_LOG_DIRS} for cluster ${CLUSTER_ID} with ${#users[@]} arguments for the SCRAM users"
    "$kafka_home/bin/kafka-storage.sh" format --cluster-id "$CLUSTER_ID" --config "$config" "${users[@]}"
fi

exec "$kafka_home/bin/kafka-server-start.sh" "$config"
