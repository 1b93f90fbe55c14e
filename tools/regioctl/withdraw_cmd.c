/* withdraw_cmd - withdraw an offering in the registry. */
#include <stdio.h>
#include <zmq.h>

#include "commands.h"
#include "ctl.h"

int regioctl_withdraw(regioctl_t *c, int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-')
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "usage: regioctl withdraw OFFERING");
    regioctl_conn_t k;
    int rc = regioctl_conn_open(c, &k, "registry", "registry", c->registry, ZMQ_DEALER);
    if (rc)
        return rc;
    Regio__WithdrawOffering w = REGIO__WITHDRAW_OFFERING__INIT;
    w.id = argv[1];
    regio_envelope_t req = REGIO__ENVELOPE__INIT, *rep = NULL;
    req.body_case = REGIO__ENVELOPE__BODY_WITHDRAW_OFFERING;
    req.withdraw_offering = &w;
    rc = regioctl_request(c, &k, &req, REGIO__ENVELOPE__BODY_ACK, &rep, c->timeout_ms);
    if (rc == 0) {
        printf("withdrawn %s (registry seq=%llu)\n", argv[1], (unsigned long long)rep->ack->seq);
        regio__envelope__free_unpacked(rep, NULL);
    }
    regioctl_conn_close(&k);
    return rc;
}
