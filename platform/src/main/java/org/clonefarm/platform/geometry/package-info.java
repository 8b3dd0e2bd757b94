/**
 * DASD geometry: 3390 models and cylinders, FB-512 blocks and V-DISK limits, and the single mapping
 * of a cylinder or block to bytes that the local simulation and the copy engine share
 * ({@link org.clonefarm.platform.geometry.Dasd3390}, {@link org.clonefarm.platform.geometry.Fba},
 * {@link org.clonefarm.platform.geometry.DeviceType#toBytes(long)}).
 */
package org.clonefarm.platform.geometry;
