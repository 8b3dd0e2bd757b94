/**
 * The layout of a master and its clones that every part agrees on, in one place:
 * {@link org.clonefarm.platform.layout.CloneLayout} holds the disk roles and their conventional vaddrs
 * (0191 config, 0200 root, 0201 swap, 0202 /var, 0203 /usr, 0204 /opt), the NAMES file on the config
 * disk ({@code LINUX NAMES}), the finalize marker ({@code /etc/rc.finalize}) and where the guest agent's
 * jar lives in the guest. The coordinator's spec, the guest agent's defaults, the demo master and the
 * local guest runtime refer to these definitions rather than spelling the values again. How a NAMES
 * file's {@code DEFAULTS} entry fills in a clone's entry is {@link org.clonefarm.platform.names.NamesFile}'s
 * rule; how a file id is written as text is {@link org.clonefarm.platform.cms.CmsFileId#parse}.
 */
package org.clonefarm.platform.layout;
