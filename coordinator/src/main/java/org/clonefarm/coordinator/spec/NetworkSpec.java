package org.clonefarm.coordinator.spec;

import java.util.List;

/**
 * The network settings shared by a batch's clones.
 *
 * @param netmask IPv4 dotted netmask (e.g. 255.255.255.0), or null when {@code prefix} is used
 * @param prefix prefix length (0-32 IPv4, 0-128 IPv6), or -1 when {@code netmask} is used
 * @param gateway the default gateway, inside the clones' subnet
 * @param nameservers DNS servers, in order
 * @param domain the DNS domain; hostnames default to {@code userid.domain} in lower case
 * @param interfaceName the guest's interface (e.g. the NICDEF vaddr 0600, or eth0), or null for the agent's default
 */
public record NetworkSpec(String netmask, int prefix, String gateway, List<String> nameservers, String domain,
        String interfaceName) {

    public NetworkSpec {
        nameservers = nameservers == null ? List.of() : List.copyOf(nameservers);
    }
}
