package org.clonefarm.coordinator.spec;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address as a number, parsed strictly from its literal form (never a DNS lookup),
 * so that ranges of clones can count up from a first address. Immutable.
 *
 * @param value the address as an unsigned number
 * @param bits 32 for IPv4, 128 for IPv6
 */
public record IpAddress(BigInteger value, int bits) implements Comparable<IpAddress> {

    /** Parses a dotted IPv4 address or an IPv6 literal; null when the text is neither. */
    public static IpAddress parse(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        if (text.indexOf(':') >= 0) {
            if (!text.matches("[0-9A-Fa-f:.]+")) {
                return null;
            }
            try {
                byte[] bytes = InetAddress.getByName(text).getAddress(); // a literal: no lookup
                return bytes.length == 16 ? new IpAddress(new BigInteger(1, bytes), 128) : null;
            } catch (UnknownHostException e) {
                return null;
            }
        }
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        long value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)
                    || (part.length() > 1 && part.charAt(0) == '0')) {
                return null;
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                return null;
            }
            value = (value << 8) | octet;
        }
        return new IpAddress(BigInteger.valueOf(value), 32);
    }

    /** A dotted netmask (255.255.255.0) as its prefix length, or -1 when not a contiguous IPv4 mask. */
    public static int prefixOfNetmask(String netmask) {
        IpAddress mask = parse(netmask);
        if (mask == null || mask.bits != 32) {
            return -1;
        }
        long bits = mask.value.longValue();
        int prefix = Long.bitCount(bits);
        long expected = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        return bits == expected ? prefix : -1;
    }

    public IpAddress plus(long offset) {
        BigInteger next = value.add(BigInteger.valueOf(offset));
        if (next.bitLength() > bits) {
            throw new ArithmeticException("address space of " + this + " exhausted");
        }
        return new IpAddress(next, bits);
    }

    /** The network address of this address's subnet of the given prefix length. */
    public IpAddress network(int prefix) {
        BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
        return new IpAddress(value.andNot(hostMask), bits);
    }

    /** The broadcast (all host bits set) address of the subnet; for IPv6 the last address. */
    public IpAddress broadcast(int prefix) {
        BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
        return new IpAddress(value.or(hostMask), bits);
    }

    public boolean sameSubnet(IpAddress other, int prefix) {
        return bits == other.bits && network(prefix).equals(other.network(prefix));
    }

    @Override
    public int compareTo(IpAddress other) {
        return bits != other.bits ? Integer.compare(bits, other.bits) : value.compareTo(other.value);
    }

    /** The canonical text: dotted quad, or the compressed IPv6 form Java prints. */
    @Override
    public String toString() {
        if (bits == 32) {
            long v = value.longValue();
            return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
        }
        byte[] raw = value.toByteArray();
        byte[] bytes = new byte[16];
        System.arraycopy(raw, Math.max(0, raw.length - 16), bytes, Math.max(0, 16 - raw.length), Math.min(16, raw.length));
        try {
            String text = InetAddress.getByAddress(bytes).getHostAddress();
            return compress(text);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Java prints 2001:db8:0:0:0:0:0:15; the usual form is 2001:db8::15. */
    private static String compress(String full) {
        String[] groups = full.split(":");
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length;) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < groups.length && groups[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLength) {
                    bestStart = i;
                    bestLength = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return head + "::" + tail;
    }
}
