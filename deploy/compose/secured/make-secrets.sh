#!/usr/bin/env bash
# make-secrets.sh DIR: the secrets of the secured compose cluster, made with the JDK's keytool:
#   DIR/ca/            the CA's key pair (ca.p12, password in ca.password): keep it, or delete it once
#                      the brokers' certificates are made; it is mounted nowhere
#   DIR/kafka/         mounted read-only into each Kafka node at /etc/kafka/secrets: the nodes' key stores
#                      kafka-N.p12 (certificate CN=broker for DNS:kafka-N and DNS:localhost, signed by the CA), their
#                      password, the CA certificate ca.pem (the trust store, PEM), one SCRAM password per
#                      user in scram/NAME.password (kafka-node.sh formats the storage with them), and
#                      admin.properties, the client settings of the brokers' super user for kafka-setup.sh
#   DIR/clients/       one Kafka client properties file per principal (coordinator, worker, guest,
#                      operator; SASL_SSL, SCRAM-SHA-512, its user and password, the CA as trust store at
#                      /etc/clonefarm/kafka/ca.pem) and ca.pem: the files --kafka-config takes
# DIR must not exist yet. DIR itself is mode 0700; what the Kafka image's user must read is 0644 inside.
set -euo pipefail

dir="${1:?usage: make-secrets.sh DIR (a directory that does not exist yet)}"
if [ -e "$dir" ]; then
    echo "make-secrets.sh: $dir exists; give a new directory (the cluster's storage is formatted with the users of the first one)" >&2
    exit 2
fi
command -v keytool >/dev/null || { echo "make-secrets.sh: keytool (a JDK) is needed" >&2; exit 1; }

umask 077
mkdir -p "$dir/ca" "$dir/kafka/scram" "$dir/clients"
password() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
validity=825

ca_password="$(password)"
printf '%s' "$ca_password" > "$dir/ca/ca.password"
keytool -genkeypair -alias ca -dname "CN=clonefarm compose CA" -keyalg RSA -keysize 3072 -validity "$validity" \
    -ext bc:c -keystore "$dir/ca/ca.p12" -storetype PKCS12 -storepass "$ca_password" 2>/dev/null
keytool -exportcert -rfc -alias ca -keystore "$dir/ca/ca.p12" -storepass "$ca_password" > "$dir/kafka/ca.pem"
cp "$dir/kafka/ca.pem" "$dir/clients/ca.pem"

keystore_password="$(password)"
printf '%s' "$keystore_password" > "$dir/kafka/keystore.password"
for node in kafka-1 kafka-2 kafka-3; do
    store="$dir/kafka/$node.p12"
    # CN broker: on the controllers' mutual TLS the certificate's CN is the principal (User:broker)
    keytool -genkeypair -alias "$node" -dname "CN=broker" -keyalg RSA -keysize 2048 -validity "$validity" \
        -keystore "$store" -storetype PKCS12 -storepass "$keystore_password" 2>/dev/null
    keytool -certreq -alias "$node" -keystore "$store" -storepass "$keystore_password" \
        | keytool -gencert -alias ca -keystore "$dir/ca/ca.p12" -storepass "$ca_password" -rfc -validity "$validity" \
            -ext "SAN=DNS:$node,DNS:localhost" -ext KU=digitalSignature,keyEncipherment -ext EKU=serverAuth,clientAuth \
        > "$dir/ca/$node.pem"
    keytool -importcert -noprompt -alias ca -file "$dir/kafka/ca.pem" -keystore "$store" -storepass "$keystore_password" 2>/dev/null
    keytool -importcert -alias "$node" -file "$dir/ca/$node.pem" -keystore "$store" -storepass "$keystore_password" 2>/dev/null
    rm "$dir/ca/$node.pem"
done

# client settings of PRINCIPAL with PASSWORD, trusting the CA at TRUSTSTORE
client_properties() {
    printf '%s\n' \
        "# Kafka client settings of the principal User:$1 (--kafka-config); made by make-secrets.sh" \
        "security.protocol=SASL_SSL" \
        "sasl.mechanism=SCRAM-SHA-512" \
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$1\" password=\"$2\";" \
        "ssl.truststore.type=PEM" \
        "ssl.truststore.location=$3"
}
for user in broker coordinator worker guest operator; do
    user_password="$(password)"
    printf '%s' "$user_password" > "$dir/kafka/scram/$user.password"
    if [ "$user" = broker ]; then
        client_properties broker "$user_password" /etc/kafka/secrets/ca.pem > "$dir/kafka/admin.properties"
    else
        client_properties "$user" "$user_password" /etc/clonefarm/kafka/ca.pem > "$dir/clients/$user.properties"
    fi
done

# the Kafka image runs as its own user: it must read the nodes' files through the read-only mount
chmod 0755 "$dir/kafka" "$dir/kafka/scram"
find "$dir/kafka" -type f -exec chmod 0644 {} +
chmod 0700 "$dir"
echo "make-secrets.sh: made $dir (CA, key stores of kafka-1..3, SCRAM users broker, coordinator, worker, guest, operator)"
