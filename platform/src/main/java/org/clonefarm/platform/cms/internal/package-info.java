/**
 * The on-disk structures of an EDF disk (volume label, FST entries, pointer blocks, allocation map) and
 * positional I/O on its region. Used only by {@code platform.cms}.
 */
package org.clonefarm.platform.cms.internal;
