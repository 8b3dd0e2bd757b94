/**
 * Submit on z/VM through DirMaint: the commands that make each planned directory entry, a REXX EXEC for an
 * administrator, a site's own command runner, and the journal that lets a stopped submit continue.
 */
package org.clonefarm.coordinator.dirmaint;
