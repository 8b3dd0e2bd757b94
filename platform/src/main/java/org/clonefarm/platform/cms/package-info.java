/**
 * CMS minidisks in the EDF format (the 191 disk): read and write files on a region of an image or block
 * device ({@link org.clonefarm.platform.cms.EdfFileSystem}), the file identity (FN FT FM), record formats
 * and EBCDIC. Byte layouts follow {@code formats/CMS-EDF.md}; the structures themselves stay in {@code
 * internal}.
 */
package org.clonefarm.platform.cms;
