package org.clonefarm.agent.internal;

import java.util.Arrays;

/**
 * IPv6 addresses as the agent reads them from a NAMES entry: parsed strictly from their literal text
 * (never a name lookup, no zone index), written in the RFC 5952 form (lower case, no leading zeros,
 * the longest run of two or more zero groups as {@code ::}), so the same address is always the same
 * text in files, events and comparisons. Stateless and thread-safe.
 */
public final class Ipv6 {

    private Ipv6() {
    }

    /** The 16 bytes of an IPv6 literal (an IPv4 tail such as {@code ::ffff:10.1.1.1} allowed), or null. */
    public static byte[] parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 45 || !text.matches("[0-9A-Fa-f:.]+")
                || !text.contains(":")) {
            return null;
        }
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        int[] head;
        int[] tail;
        if (gap >= 0) {
            head = groups(text.substring(0, gap), false);
            tail = groups(text.substring(gap + 2), true);
            if (head == null || tail == null || head.length + tail.length > 7) {
                return null;
            }
        } else {
            head = groups(text, true);
            tail = new int[0];
            if (head == null || head.length != 8) {
                return null;
            }
        }
        int[] all = new int[8];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, 8 - tail.length, tail.length);
        byte[] bytes = new byte[16];
        for (int i = 0; i < 8; i++) {
            bytes[2 * i] = (byte) (all[i] >> 8);
            bytes[2 * i + 1] = (byte) all[i];
        }
        return bytes;
    }

    /** The 16-bit groups of a colon-separated part; the last may be dotted IPv4 when {@code lastMayBeIpv4}. */
    private static int[] groups(String part, boolean lastMayBeIpv4) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] words = part.split(":", -1);
        int[] out = new int[words.length + 1];
        int n = 0;
        for (int i = 0; i < words.length; i++) {
            String word = words[i];
            if (word.contains(".")) {
                if (!lastMayBeIpv4 || i != words.length - 1) {
                    return null;
                }
                String[] octets = word.split("\\.", -1);
                if (octets.length != 4) {
                    return null;
                }
                int[] v = new int[4];
                for (int k = 0; k < 4; k++) {
                    if (!octets[k].matches("[0-9]{1,3}") || Integer.parseInt(octets[k]) > 255) {
                        return null;
                    }
                    v[k] = Integer.parseInt(octets[k]);
                }
                out[n++] = (v[0] << 8) | v[1];
                out[n++] = (v[2] << 8) | v[3];
            } else {
                if (!word.matches("[0-9A-Fa-f]{1,4}")) {
                    return null;
                }
                out[n++] = Integer.parseInt(word, 16);
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** The RFC 5952 text of 16 bytes. */
    public static String format(byte[] bytes) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((bytes[2 * i] & 0xFF) << 8) | (bytes[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(g[i]));
        }
        return text.toString();
    }

    /** Why the address cannot be a host's own (unspecified, loopback, multicast, link-local, IPv4-mapped), or null. */
    public static String hostProblem(byte[] bytes) {
        boolean zeroTo10 = true;
        for (int i = 0; i < 10; i++) {
            zeroTo10 &= bytes[i] == 0;
        }
        boolean allZero = zeroTo10 && bytes[10] == 0 && bytes[11] == 0 && bytes[12] == 0 && bytes[13] == 0
                && bytes[14] == 0;
        if (allZero && bytes[15] == 0) {
            return "the unspecified address ::";
        }
        if (allZero && bytes[15] == 1) {
            return "the loopback address ::1";
        }
        if ((bytes[0] & 0xFF) == 0xFF) {
            return "a multicast address, ff00::/8";
        }
        if (isLinkLocal(bytes)) {
            return "a link-local address, fe80::/10, which the kernel makes itself";
        }
        if (zeroTo10 && (bytes[10] & 0xFF) == 0xFF && (bytes[11] & 0xFF) == 0xFF) {
            return "an IPv4-mapped address, ::ffff:0:0/96; an IPv4 address is :ipaddr.";
        }
        return null;
    }

    /** Whether the address is link-local unicast (fe80::/10). */
    public static boolean isLinkLocal(byte[] bytes) {
        return (bytes[0] & 0xFF) == 0xFE && (bytes[1] & 0xC0) == 0x80;
    }

    /** The first {@code prefix} bits of the address, the rest zero. */
    public static byte[] network(byte[] bytes, int prefix) {
        byte[] out = new byte[16];
        for (int bit = 0; bit < prefix; bit++) {
            out[bit / 8] |= bytes[bit / 8] & (0x80 >> (bit % 8));
        }
        return out;
    }

    /** Whether two addresses share their first {@code prefix} bits. */
    public static boolean samePrefix(byte[] a, byte[] b, int prefix) {
        return Arrays.equals(network(a, prefix), network(b, prefix));
    }
}
