/* strtab - interned strings: each distinct string gets a dense index 0..n-1.
 *
 * Used for ids (learners, offerings, partners), goal codes, qualifications
 * and school ids, so that hot loops compare ints, not strings.
 * The table owns copies of its strings; names stay valid until the table is
 * destroyed (adding more strings never moves an existing name).
 */
#ifndef REGIO_STRTAB_H
#define REGIO_STRTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct regio_strtab_s regio_strtab_t;

/* Create an empty table. Returns NULL only when out of memory. */
regio_strtab_t *regio_strtab_new(void);

/* Free the table and its strings; accepts NULL and sets *self to NULL. */
void regio_strtab_destroy(regio_strtab_t **self);

/* Return the index of s, adding it if new (*added is set to 1 then, 0 when it
 * existed; added may be NULL). Returns -ENOMEM when out of memory. */
int32_t regio_strtab_intern(regio_strtab_t *self, const char *s, int *added);

/* Return the index of s, or -1 when it is not in the table. Can't fail. */
int32_t regio_strtab_find(const regio_strtab_t *self, const char *s);

/* Return the string of index i (0 <= i < count), valid until destroy. */
const char *regio_strtab_name(const regio_strtab_t *self, int32_t i);

/* Return the number of strings in the table. */
int32_t regio_strtab_count(const regio_strtab_t *self);

#endif
