package org.clonefarm.cli.simulation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One guest's QEMU Machine Protocol socket ({@code -qmp unix:PATH,server=on,wait=off}): the runtime's way to
 * act on a running guest as CP acts on a virtual machine. Each call opens the socket, reads QEMU's greeting,
 * enters command mode ({@code qmp_capabilities}), runs one command and closes. Stateless; each call stands alone,
 * so any thread may call.
 */
final class QemuMonitor {
    /**
     * The longest path of a unix socket Linux accepts ({@code sun_path} holds 108 bytes with the NUL): a work
     * directory deeper than this leaves no room for the guests' QMP sockets.
     */
    static final int MAX_SOCKET_PATH = 107;

    private final Path socket;

    QemuMonitor(Path socket) {
        this.socket = socket.toAbsolutePath();
    }

    /**
     * Where a guest's QMP socket lives: {@code <workDirectory>/<USERID>.qmp}, or, when that is longer than a unix
     * socket's address allows (a deep {@code --data}), {@code <java.io.tmpdir>/clonefarm-qmp-<16 hex digits of the
     * SHA-256 of the work directory's path>/<USERID>.qmp}: the same for a work directory every time (so a later
     * runtime finds it) and another for every other one. The caller makes the directory.
     */
    static Path socketPath(Path workDirectory, String userid) {
        Path inWork = workDirectory.toAbsolutePath().resolve(userid + ".qmp");
        if (inWork.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH) {
            return inWork;
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(workDirectory.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
            String key = java.util.HexFormat.of().formatHex(digest, 0, 8);
            return Path.of(System.getProperty("java.io.tmpdir"), "clonefarm-qmp-" + key, userid + ".qmp").toAbsolutePath();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** Fails with the path and the limit when {@code socket} is too long to be a unix socket's address. */
    static void checkPath(Path socket) {
        int length = socket.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_SOCKET_PATH) {
            throw new GuestRuntimeException("the QMP socket " + socket.toAbsolutePath() + " is " + length
                    + " bytes long, more than the " + MAX_SOCKET_PATH + " of a unix socket: use a shorter --data path or java.io.tmpdir", false);
        }
    }

    /**
     * CP's {@code SIGNAL SHUTDOWN}: presses Ctrl-Alt-Del on the guest's keyboard. Linux on z/VM receives SIGNAL
     * SHUTDOWN as a signal-quiesce event and its kernel calls {@code ctrl_alt_del()}; the key combination reaches
     * that same call on x86, so systemd starts {@code ctrl-alt-del.target}, which the bootable master makes
     * {@code poweroff.target}. Returns once QEMU accepted the keys, not when the guest has stopped.
     *
     * @throws IOException when the socket cannot be reached or QEMU answers with an error
     */
    void signalShutdown(Duration timeout) throws IOException {
        execute("{\"execute\":\"send-key\",\"arguments\":{\"keys\":[{\"type\":\"qcode\",\"data\":\"ctrl\"},"
                + "{\"type\":\"qcode\",\"data\":\"alt\"},{\"type\":\"qcode\",\"data\":\"delete\"}]}}", timeout);
    }

    private void execute(String command, Duration timeout) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            // a blocking channel's stream has no read timeout: a watchdog closes the channel when QEMU stays silent
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(timeout.toMillis());
                    channel.close();
                } catch (InterruptedException | IOException e) {
                    // answered in time, or already closed
                }
            }, "qmp-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            try {
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                        StandardCharsets.UTF_8));
                expect(in, "\"QMP\"", "greeting");
                send(channel, "{\"execute\":\"qmp_capabilities\"}");
                expect(in, "\"return\"", "qmp_capabilities");
                send(channel, command);
                expect(in, "\"return\"", command);
            } finally {
                watchdog.interrupt();
            }
        } catch (IOException e) {
            throw new IOException("QMP " + socket + ": " + e.getMessage(), e);
        }
    }

    private static void send(SocketChannel channel, String json) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** Reads lines until one holds {@code key} (events in between are skipped); an error answer fails. */
    private static void expect(BufferedReader in, String key, String what) throws IOException {
        String line;
        while ((line = in.readLine()) != null) {
            if (line.contains("\"error\"")) {
                throw new IOException(what + " failed: " + line.strip());
            }
            if (line.contains(key)) {
                return;
            }
        }
        throw new IOException("QEMU closed the socket before answering " + what);
    }
}
