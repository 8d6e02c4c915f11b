/*
 * cli-table.c: the list of opsicle's command lines (each entry sits with
 * the function that runs it) and the lookups over it (see cli-table.h).
 */
#include "config.h"

#include <string.h>

#include "tui.h"

/* Each entry sits next to the function that runs it (tui/cli-*.c);
 * this list gives the help order. */
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_list_commands_entry;
extern const struct cmd_entry cmd_tui_entry;
extern const struct cmd_entry cmd_list_keys_entry;
extern const struct cmd_entry cmd_daemon_status_entry;
extern const struct cmd_entry cmd_daemon_stop_entry;
extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_unlock_entry;
extern const struct cmd_entry cmd_lock_entry;
extern const struct cmd_entry cmd_passwd_entry;
extern const struct cmd_entry cmd_target_add_entry;
extern const struct cmd_entry cmd_target_list_entry;
extern const struct cmd_entry cmd_target_show_entry;
extern const struct cmd_entry cmd_target_edit_entry;
extern const struct cmd_entry cmd_target_rm_entry;
extern const struct cmd_entry cmd_target_import_entry;
extern const struct cmd_entry cmd_cred_add_entry;
extern const struct cmd_entry cmd_cred_list_entry;
extern const struct cmd_entry cmd_cred_rm_entry;
extern const struct cmd_entry cmd_notify_add_entry;
extern const struct cmd_entry cmd_notify_list_entry;
extern const struct cmd_entry cmd_notify_rm_entry;
extern const struct cmd_entry cmd_notify_test_entry;
extern const struct cmd_entry cmd_notify_log_entry;
extern const struct cmd_entry cmd_notify_smtp_entry;
extern const struct cmd_entry cmd_audit_list_entry;
extern const struct cmd_entry cmd_audit_verify_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_automation_run_entry;
extern const struct cmd_entry cmd_schedule_add_entry;
extern const struct cmd_entry cmd_schedule_list_entry;
extern const struct cmd_entry cmd_schedule_show_entry;
extern const struct cmd_entry cmd_schedule_pause_entry;
extern const struct cmd_entry cmd_schedule_resume_entry;
extern const struct cmd_entry cmd_schedule_rm_entry;
extern const struct cmd_entry cmd_schedule_next_entry;
extern const struct cmd_entry cmd_discover_entry;
extern const struct cmd_entry cmd_push_entry;
extern const struct cmd_entry cmd_pull_entry;
extern const struct cmd_entry cmd_events_entry;
extern const struct cmd_entry cmd_job_list_entry;
extern const struct cmd_entry cmd_job_show_entry;
extern const struct cmd_entry cmd_job_logs_entry;
extern const struct cmd_entry cmd_job_wait_entry;
extern const struct cmd_entry cmd_job_cancel_entry;
extern const struct cmd_entry cmd_job_rerun_entry;
extern const struct cmd_entry cmd_approval_list_entry;
extern const struct cmd_entry cmd_approval_show_entry;
extern const struct cmd_entry cmd_approve_entry;
extern const struct cmd_entry cmd_reject_entry;
extern const struct cmd_entry cmd_hostkey_list_entry;
extern const struct cmd_entry cmd_hostkey_accept_entry;
extern const struct cmd_entry cmd_hostkey_import_entry;
extern const struct cmd_entry cmd_hostkey_reject_entry;
extern const struct cmd_entry cmd_automation_apply_entry;
extern const struct cmd_entry cmd_automation_list_entry;
extern const struct cmd_entry cmd_automation_show_entry;
extern const struct cmd_entry cmd_automation_history_entry;
extern const struct cmd_entry cmd_automation_diff_entry;
extern const struct cmd_entry cmd_automation_export_entry;
extern const struct cmd_entry cmd_automation_rm_entry;
extern const struct cmd_entry cmd_totp_enroll_entry;
extern const struct cmd_entry cmd_totp_confirm_entry;
extern const struct cmd_entry cmd_totp_status_entry;
extern const struct cmd_entry cmd_totp_disable_entry;
extern const struct cmd_entry cmd_approver_link_entry;
extern const struct cmd_entry cmd_approver_links_entry;
extern const struct cmd_entry cmd_approver_unlink_entry;

static const struct cmd_entry *const cmd_entries[] = {
	&cmd_help_entry,
	&cmd_list_commands_entry,
	&cmd_tui_entry,
	&cmd_list_keys_entry,
	&cmd_daemon_status_entry,
	&cmd_daemon_stop_entry,
	&cmd_init_entry,
	&cmd_unlock_entry,
	&cmd_lock_entry,
	&cmd_passwd_entry,
	&cmd_target_add_entry,
	&cmd_target_list_entry,
	&cmd_target_show_entry,
	&cmd_target_edit_entry,
	&cmd_target_rm_entry,
	&cmd_target_import_entry,
	&cmd_cred_add_entry,
	&cmd_cred_list_entry,
	&cmd_cred_rm_entry,
	&cmd_audit_list_entry,
	&cmd_audit_verify_entry,
	&cmd_run_entry,
	&cmd_push_entry,
	&cmd_pull_entry,
	&cmd_events_entry,
	&cmd_job_list_entry,
	&cmd_job_show_entry,
	&cmd_job_logs_entry,
	&cmd_job_wait_entry,
	&cmd_job_cancel_entry,
	&cmd_job_rerun_entry,
	&cmd_approval_list_entry,
	&cmd_approval_show_entry,
	&cmd_approve_entry,
	&cmd_reject_entry,
	&cmd_hostkey_list_entry,
	&cmd_hostkey_accept_entry,
	&cmd_hostkey_import_entry,
	&cmd_hostkey_reject_entry,
	&cmd_automation_apply_entry,
	&cmd_automation_list_entry,
	&cmd_automation_show_entry,
	&cmd_automation_run_entry,
	&cmd_automation_history_entry,
	&cmd_automation_diff_entry,
	&cmd_automation_export_entry,
	&cmd_automation_rm_entry,
	&cmd_notify_add_entry,
	&cmd_notify_list_entry,
	&cmd_notify_rm_entry,
	&cmd_notify_test_entry,
	&cmd_notify_log_entry,
	&cmd_notify_smtp_entry,
	&cmd_totp_enroll_entry,
	&cmd_totp_confirm_entry,
	&cmd_totp_status_entry,
	&cmd_totp_disable_entry,
	&cmd_approver_link_entry,
	&cmd_approver_links_entry,
	&cmd_approver_unlink_entry,
	&cmd_schedule_add_entry,
	&cmd_schedule_list_entry,
	&cmd_schedule_show_entry,
	&cmd_schedule_next_entry,
	&cmd_schedule_pause_entry,
	&cmd_schedule_resume_entry,
	&cmd_schedule_rm_entry,
	&cmd_discover_entry,
};
#define NCMDS	(sizeof(cmd_entries) / sizeof(cmd_entries[0]))

const struct cmd_entry *const *
cmd_table(size_t *n)
{
	*n = NCMDS;
	return cmd_entries;
}

/* Does name ("a" or "a b") equal the first one or two words of argv? */
static int
name_match(const char *name, int argc, char *const *argv, int *used)
{
	const char	*sp;
	size_t		 len;

	if (name == NULL || argc < 1)
		return 0;
	if ((sp = strchr(name, ' ')) == NULL) {
		if (strcmp(name, argv[0]) != 0)
			return 0;
		*used = 1;
		return 1;
	}
	len = (size_t)(sp - name);
	if (argc < 2 || strlen(argv[0]) != len ||
	    strncmp(name, argv[0], len) != 0 || strcmp(sp + 1, argv[1]) != 0)
		return 0;
	*used = 2;
	return 1;
}

const struct cmd_entry *
cmd_find(int argc, char *const *argv, int *used)
{
	size_t	i;

	*used = 0;
	for (i = 0; i < NCMDS; i++) {
		if (name_match(cmd_entries[i]->name, argc, argv, used) ||
		    name_match(cmd_entries[i]->alias, argc, argv, used))
			return cmd_entries[i];
	}
	return NULL;
}

const struct cmd_entry *
cmd_find_type(enum proto_type type)
{
	size_t	i;

	if (type == PROTO_NONE)
		return NULL;
	for (i = 0; i < NCMDS; i++) {
		if (cmd_entries[i]->type == type)
			return cmd_entries[i];
	}
	return NULL;
}

int
cmd_option_kind(const struct cmd_entry *e, const char *opt, size_t optlen)
{
	const char	*p = e->options, *end;
	size_t		 len;

	if (p == NULL)
		return 0;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		end = p;
		while (*end != '\0' && *end != ' ' && *end != '=')
			end++;
		len = (size_t)(end - p);
		if (len > 0 && len == optlen && strncmp(p, opt, len) == 0) {
			if (*end != '=')
				return 1;
			return end[1] == '*' ? 3 : 2;
		}
		while (*end != '\0' && *end != ' ')
			end++;
		p = end;
	}
	return 0;
}
