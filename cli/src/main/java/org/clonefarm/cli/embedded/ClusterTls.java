package org.clonefarm.cli.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The TLS material of a secured {@link LocalKafkaCluster}: its own CA and one broker key pair signed by
 * it, made with the JDK's {@code keytool} (no other dependency).
 *
 * <p>The broker certificate has CN {@value ClusterPrincipal#BROKER} (the controllers' mutual TLS maps it
 * to that principal), the subject alternative names {@code DNS:localhost} and {@code IP:127.0.0.1} (every
 * node listens on loopback, and clients verify the host name), and both server and client use, since a
 * node is also the client of the others. The CA key stays in {@code kafka/tls/ca.p12}: whoever holds it
 * can make certificates the cluster trusts.
 *
 * <p>Stateless.
 */
final class ClusterTls {
    static final String CA_ALIAS = "ca";
    static final String BROKER_ALIAS = "broker";
    private static final long KEYTOOL_TIMEOUT_SECONDS = 60;
    private static final String CA_PASSWORD_ENV = "CLONEFARM_CA_STOREPASS";
    private static final String BROKER_PASSWORD_ENV = "CLONEFARM_BROKER_STOREPASS";

    private ClusterTls() {
    }

    /**
     * Makes {@code ca.p12} (the CA key pair), {@code broker.p12} (the broker key with its chain) and
     * {@code ca.pem} in {@code directory}.
     *
     * @throws EmbeddedKafkaException naming the keytool step that failed and its output
     */
    static void create(Path directory, String caPassword, String brokerPassword) throws IOException {
        Files.createDirectories(directory);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        Path ca = directory.resolve("ca.p12");
        Path broker = directory.resolve("broker.p12");
        Path request = directory.resolve("broker.csr");
        Path signed = directory.resolve("broker.crt");
        Files.deleteIfExists(ca);
        Files.deleteIfExists(broker);
        // the passwords reach keytool through its environment, not its command line (which ps shows)
        Map<String, String> env = Map.of(CA_PASSWORD_ENV, caPassword, BROKER_PASSWORD_ENV, brokerPassword);
        keytool(env, "make the CA key pair", "-genkeypair", "-alias", CA_ALIAS, "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "3650", "-dname", "CN=clonefarm local Kafka CA", "-ext", "bc:c=ca:true,pathlen:0",
                "-ext", "ku:c=keyCertSign,cRLSign", "-storetype", "PKCS12", "-keystore", ca.toString(),
                "-storepass:env", CA_PASSWORD_ENV);
        keytool(env, "make the broker key pair", "-genkeypair", "-alias", BROKER_ALIAS, "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "825", "-dname", "CN=" + ClusterPrincipal.BROKER, "-storetype", "PKCS12",
                "-keystore", broker.toString(), "-storepass:env", BROKER_PASSWORD_ENV);
        keytool(env, "write the broker's certificate request", "-certreq", "-alias", BROKER_ALIAS,
                "-keystore", broker.toString(), "-storepass:env", BROKER_PASSWORD_ENV, "-file", request.toString());
        keytool(env, "sign the broker certificate", "-gencert", "-alias", CA_ALIAS, "-keystore", ca.toString(),
                "-storepass:env", CA_PASSWORD_ENV, "-infile", request.toString(), "-outfile", signed.toString(), "-rfc",
                "-validity", "825", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-ext", "KU=digitalSignature,keyEncipherment", "-ext", "EKU=serverAuth,clientAuth");
        try {
            X509Certificate caCertificate = caCertificate(ca, caPassword);
            X509Certificate brokerCertificate;
            try (InputStream in = Files.newInputStream(signed)) {
                brokerCertificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            KeyStore store = load(broker, brokerPassword);
            Key key = store.getKey(BROKER_ALIAS, brokerPassword.toCharArray());
            store.setKeyEntry(BROKER_ALIAS, (PrivateKey) key, brokerPassword.toCharArray(),
                    new Certificate[] {brokerCertificate, caCertificate});
            try (OutputStream out = Files.newOutputStream(broker)) {
                store.store(out, brokerPassword.toCharArray());
            }
            Files.writeString(directory.resolve("ca.pem"), pem(caCertificate), StandardCharsets.US_ASCII);
            for (Path keys : List.of(ca, broker)) {
                Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (GeneralSecurityException e) {
            throw new EmbeddedKafkaException("cannot assemble the broker keystore " + broker + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(request);
            Files.deleteIfExists(signed);
        }
    }

    private static X509Certificate caCertificate(Path ca, String password) throws IOException, GeneralSecurityException {
        return (X509Certificate) load(ca, password).getCertificate(CA_ALIAS);
    }

    private static KeyStore load(Path file, String password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password.toCharArray());
        }
        return store;
    }

    /** A certificate as PEM ({@code -----BEGIN CERTIFICATE-----}, 64 characters a line). */
    static String pem(X509Certificate certificate) throws GeneralSecurityException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(certificate.getEncoded());
        return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n";
    }

    private static void keytool(Map<String, String> env, String step, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        Path bundled = Path.of(System.getProperty("java.home"), "bin", "keytool");
        command.add(Files.isExecutable(bundled) ? bundled.toString() : "keytool");
        command.add("-noprompt");
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] output;
        try (InputStream in = process.getInputStream()) {
            output = in.readAllBytes();
        }
        try {
            if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new EmbeddedKafkaException("keytool did not " + step + " within " + KEYTOOL_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while keytool was to " + step, e);
        }
        if (process.exitValue() != 0) {
            // keytool's output names the problem, never the passwords it was given
            throw new EmbeddedKafkaException("keytool could not " + step + " (exit " + process.exitValue() + "): "
                    + new String(output, StandardCharsets.UTF_8).trim());
        }
    }
}
