/* test_msg_json - protobuf messages as JSON through their descriptors. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "regio/msg.h"
#include "regio/msg_json.h"

static const cJSON *s_get(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    cr_assert_not_null(v, "field %s", k);
    return v;
}

Test(msg_json, a_notification_shows_every_field_by_its_proto_name)
{
    uint32_t slots[] = {0, 1, 4};
    Regio__PlacementChange c = REGIO__PLACEMENT_CHANGE__INIT;
    c.kind = REGIO__CHANGE_KIND__CHANGE_MOVED;
    c.learner = "l7";
    c.slots = slots;
    c.n_slots = 3;
    c.plan_version = 12;
    Regio__Notification n = REGIO__NOTIFICATION__INIT;
    n.seq = 9;
    n.topic = "learner/l7";
    n.topic_seq = 2;
    n.time_ms = -5;
    n.change = &c;
    cJSON *o = regio_msg_json(&n.base);
    cr_assert_not_null(o);
    cr_assert_eq(s_get(o, "seq")->valuedouble, 9);
    cr_assert_str_eq(s_get(o, "topic")->valuestring, "learner/l7");
    cr_assert_eq(s_get(o, "time_ms")->valuedouble, -5);
    const cJSON *ch = s_get(o, "change");
    cr_assert_str_eq(s_get(ch, "kind")->valuestring, "CHANGE_MOVED", "enums by name");
    cr_assert_str_eq(s_get(ch, "learner")->valuestring, "l7");
    cr_assert_str_eq(s_get(ch, "offering")->valuestring, "", "unset fields are there too");
    const cJSON *sl = s_get(ch, "slots");
    cr_assert(cJSON_IsArray(sl));
    cr_assert_eq(cJSON_GetArraySize(sl), 3);
    cr_assert_eq(cJSON_GetArrayItem(sl, 2)->valuedouble, 4);
    cr_assert_eq(s_get(ch, "plan_version")->valuedouble, 12);
    cJSON_Delete(o);
}

Test(msg_json, an_unset_message_is_null_and_a_oneof_shows_only_its_member)
{
    Regio__LearnerExport x = REGIO__LEARNER_EXPORT__INIT;
    x.id = "l1";
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_LEARNER_EXPORT;
    env.learner_export = &x;
    cJSON *o = regio_msg_json(&env.base);
    cr_assert_not_null(o);
    cr_assert_null(cJSON_GetObjectItemCaseSensitive(o, "error"));
    const cJSON *e = s_get(o, "learner_export");
    cr_assert(cJSON_IsNull(s_get(e, "learner")));
    cr_assert_eq(cJSON_GetArraySize(s_get(e, "notifications")), 0);
    cJSON_Delete(o);
    cJSON *null = regio_msg_json(NULL);
    cr_assert(cJSON_IsNull(null));
    cJSON_Delete(null);
}

Test(msg_json, doubles_and_nested_repeated_messages_survive)
{
    uint32_t slots[] = {2, 3};
    Regio__FreeSlots f = REGIO__FREE_SLOTS__INIT, *fp[] = {&f};
    f.period = "P1";
    f.slots = slots;
    f.n_slots = 2;
    Regio__Learner l = REGIO__LEARNER__INIT;
    l.id = "l1";
    l.lat = 51.588;
    l.free = fp;
    l.n_free = 1;
    cJSON *o = regio_msg_json(&l.base);
    cr_assert_eq(s_get(o, "lat")->valuedouble, 51.588);
    const cJSON *free0 = cJSON_GetArrayItem(s_get(o, "free"), 0);
    cr_assert_str_eq(s_get(free0, "period")->valuestring, "P1");
    cr_assert_eq(cJSON_GetArraySize(s_get(free0, "slots")), 2);
    cr_assert_eq(cJSON_GetArraySize(s_get(o, "history")), 0);
    cJSON_Delete(o);
}
