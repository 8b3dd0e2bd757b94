/**
 * CMS NAMES files: the per-clone configuration on the 191 disk, one {@code :nick.} entry per clone.
 * {@link org.clonefarm.platform.names.NamesFile} parses and writes them;
 * {@link org.clonefarm.platform.names.NamesEntry} is one entry with its tags.
 */
package org.clonefarm.platform.names;
