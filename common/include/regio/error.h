/* error - regio's error codes and the one function that explains them.
 *
 * Every regio call returns an int: 0 on success, a negative code otherwise.
 * Three families share that space without overlap:
 *   - negative errno values (-ENOMEM, -EINVAL, ...), from the OS and ZeroMQ
 *     (ZeroMQ reports errno values, plus its own above ZMQ_HAUSNUMERO);
 *   - LMDB's codes (MDB_KEYEXIST .. MDB_LAST_ERRCODE, about -30799..-30780);
 *   - regio's own codes below, in -40001..-49999 (the whole range is theirs).
 * regio_strerror() explains any of them.
 */
#ifndef REGIO_ERROR_H
#define REGIO_ERROR_H

enum {
    REGIO_EPARSE = -40001,     /* input is not well-formed (JSON, protobuf) */
    REGIO_EINVALID = -40002,   /* well-formed, but breaks a rule of the format */
    REGIO_ENOTFOUND = -40003,  /* an id refers to nothing */
    REGIO_ERANGE = -40004,     /* a number is outside its allowed range */
    REGIO_EBUSY = -40005,      /* queue full: try again later */
    REGIO_ESTALE = -40006,     /* an older version than the one stored */
    REGIO_EFULL = -40007,      /* storage full (LMDB map or disk) */
    REGIO_ETIMEOUT = -40008,   /* no answer within the deadline */
    REGIO_EPEER = -40009,      /* the other side replied with an error */
    REGIO_ETRIMMED = -40010,   /* history asked for was trimmed */
    REGIO_ENOTREADY = -40011,  /* a dependency has not been synced yet */
    REGIO_EDUPLICATE = -40012, /* an id occurs twice where it must be unique */
    REGIO_EFORBIDDEN = -40013, /* the caller's role may not do this */
    REGIO_ECONFIRM = -40014,   /* held until a coordinator confirms */
    REGIO_EDAMAGED = -40015,   /* a store's file is damaged (truncated, corrupt) */
};

/* Return a static, human-readable string for any regio return code
 * (regio's own, negative errno, LMDB, ZeroMQ). Never returns NULL; an unknown
 * code yields "unknown error". This function can't fail. */
const char *regio_strerror(int code);

#endif
