package org.clonefarm.cli.simulation.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.clonefarm.platform.io.FileRegion;

/**
 * SHA-256 of the bytes of a region (a minidisk's extent), lower-case hex. This is our own definition
 * for the demo's master digests, not the copy engine's disk digest. Stateless and thread-safe.
 */
public final class RegionDigest {
    private static final int BUFFER = 1 << 20;

    private RegionDigest() {
    }

    public static String sha256(FileRegion region) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        try (FileChannel channel = FileChannel.open(region.path(), StandardOpenOption.READ)) {
            long end = region.toEnd() ? channel.size() : region.offset() + region.length();
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            long position = region.offset();
            while (position < end) {
                buffer.clear().limit((int) Math.min(BUFFER, end - position));
                int read = channel.read(buffer, position);
                if (read < 0) {
                    throw new IOException(region + " ends at byte " + position + ", before its length");
                }
                buffer.flip();
                digest.update(buffer);
                position += read;
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
