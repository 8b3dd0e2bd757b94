package org.clonefarm.agent.internal;

import org.clonefarm.agent.GuestSettings;

/**
 * SLES and openSUSE (wicked): {@code /etc/sysconfig/network/ifcfg-<if>} with a static address, and
 * the default route in {@code /etc/sysconfig/network/routes}.
 */
final class WickedIfcfgFile {
    private WickedIfcfgFile() {
    }

    static String path(GuestSettings s) {
        return "/etc/sysconfig/network/ifcfg-" + s.interfaceName();
    }

    static final String ROUTES = "/etc/sysconfig/network/routes";

    static String render(GuestSettings s) {
        return FileHeader.of("#", s.userid())
                + "BOOTPROTO='static'\n"
                + "STARTMODE='auto'\n"
                + "IPADDR='" + s.cidr() + "'\n";
    }

    /** The routes file: {@code default GATEWAY - -}. */
    static String renderRoutes(GuestSettings s) {
        return FileHeader.of("#", s.userid()) + "default " + s.gateway() + " - -\n";
    }
}
