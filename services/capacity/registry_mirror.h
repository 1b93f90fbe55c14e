/* registry_mirror - what the capacity service knows of the registry.
 *
 * Only what validation and authorisation need: which offerings exist (and
 * are not withdrawn), whose they are, and which periods the calendar has.
 * Fed by follow.h.
 */
#ifndef REGIO_CAPACITY_REGISTRY_MIRROR_H
#define REGIO_CAPACITY_REGISTRY_MIRROR_H

#include "regio/msg.h"
#include "regio/strtab.h"

typedef struct {
    regio_strtab_t *offerings;  /* ids ever seen */
    unsigned char *withdrawn;   /* per offering index */
    int32_t *partner_of;        /* per offering index: index in partners */
    size_t cap;
    regio_strtab_t *partners;   /* partner ids of the offerings */
    regio_strtab_t *periods;    /* calendar period ids */
} regio_registry_mirror_t;

/* Empty mirror. Returns 0 or -ENOMEM. */
int regio_registry_mirror_init(regio_registry_mirror_t *m);

/* Free the mirror's tables. */
void regio_registry_mirror_free(regio_registry_mirror_t *m);

/* Replace with a RegistrySnapshot / apply one RegistryChange envelope.
 * Returns 0 or -ENOMEM (the mirror may then lack the newest entries). */
int regio_registry_mirror_snapshot(regio_registry_mirror_t *m, const regio_envelope_t *e);
int regio_registry_mirror_change(regio_registry_mirror_t *m, const regio_envelope_t *e);

/* 1 when the offering exists and is not withdrawn, 0 when withdrawn, -1
 * when unknown. */
int regio_registry_mirror_offering(const regio_registry_mirror_t *m, const char *id);

/* The partner an offering belongs to (borrowed, valid until the next
 * change), or NULL when the offering is unknown. */
const char *regio_registry_mirror_partner(const regio_registry_mirror_t *m, const char *id);

/* 1 when the calendar has this period. */
int regio_registry_mirror_period(const regio_registry_mirror_t *m, const char *id);

#endif
