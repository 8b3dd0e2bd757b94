/**
 * The CP directory (USER DIRECT): {@link org.clonefarm.platform.directory.UserDirectory} reads and
 * prints the file (every statement kind of a Linux guest's entry modelled, unknown statements kept
 * verbatim, 72 columns), {@link org.clonefarm.platform.directory.Prototype} makes entries LIKE a
 * prototype, and {@link org.clonefarm.platform.directory.DirectoryValidator} checks a whole directory.
 */
package org.clonefarm.platform.directory;
