#!/bin/sh
# test-cli-import.sh: target import end to end with a real daemon and a
# real sshd. ssh_config Host * defaults and IdentityFile become a working
# target (--create-creds makes the key credential; a run logs in with
# it), the same key is reused, ProxyJump hosts are skipped with a
# warning, and without --create-creds the CLI says which targets need
# which key and how to add it. --cred (must exist) and --tag apply to
# every target; Ansible INI group/all vars and ranges, YAML inventories;
# refusals (a missing credential, a range too large, an encrypted key)
# import nothing and create nothing; usage errors exit 2; --dry-run
# changes nothing; no key byte reaches the daemon's logs.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"

sshd_start i1 127.0.0.7 || skip_all "could not start sshd on 127.0.0.7"
P=$SSHD_PORT
U=$(sshd_user)
B=$SSHD_BASE
D=$OPSICLE_HOME/files
mkdir -p "$D"

# field NAME KEY: the target's KEY from target list --json, as JSON.
field() {
	"$O" target list --json | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["name"] == sys.argv[1]:
        print(json.dumps(t[sys.argv[2]], separators=(",", ":")))
        sys.exit(0)
print("missing")' "$1" "$2"
}
# names: every target's name, space-separated, sorted.
names() {
	"$O" target list --json | python3 -c '
import json, sys
print(" ".join(sorted(t["name"] for t in json.load(sys.stdin))))'
}
ncreds() {
	"$O" cred list --json | python3 -c '
import json, sys
print(len(json.load(sys.stdin)))'
}

plan_tests 46

# ---- ssh_config: Host *, IdentityFile, ProxyJump ------------------------
cat >"$D/ssh_config" <<EOF
Host s1
    HostName 127.0.0.7
    IdentityFile $B/id_ed25519
Host bastion
    HostName 127.0.0.7
    ProxyJump none
Host inner
    HostName 10.99.0.5
    ProxyJump bastion
Host *
    User $U
    Port $P
EOF
run "$O" target import --ssh-config "$D/ssh_config" --create-creds --tag imp
is "$rc" 0 "import --ssh-config --create-creds"
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock")"
like "$out" "^added bastion$" "the bastion is added"
like "$out" "^skipped inner: reached through a jump host" \
    "the host behind ProxyJump is skipped"
like "$err" "warning: .*ssh_config:7: host inner NOT IMPORTED: it is reached through ProxyJump bastion .*cannot connect through a jump host" \
    "with a loud warning naming the line and the jump"
is "$(names)" "bastion s1" "no other target"
like "$out" "^created credential id_ed25519 from $B/id_ed25519 for 1 target$" \
    "one key credential created, named after the file"
is "$(field s1 host):$(field s1 port):$(field s1 user)" "\"127.0.0.7\":$P:\"$U\"" \
    "Host * gives the port and user the host's own block did not set"
is "$(field s1 cred):$(field s1 tags)" '"id_ed25519":["imp"]' \
    "the target uses the new credential and has the --tag"
is "$(field bastion cred)" null "a host without IdentityFile gets no credential"
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "the sshd's host key imported"
run "$O" run s1 -- echo via-import
is "$rc:$out:$err" "0:s1: via-import:1 ok, 0 failed" \
    "the imported target logs in with the imported key (summary on stderr)"

cp "$B/id_ed25519" "$D/copy_key"
chmod 600 "$D/copy_key"
printf 'Host s2\n    HostName 127.0.0.7\n    IdentityFile %s\n' "$D/copy_key" \
    >"$D/ssh_config2"
run "$O" target import --ssh-config "$D/ssh_config2" --create-creds --json
is "$rc" 0 "a second import with a copy of the key"
like "$out" '"keys":\[\{"path":"[^"]*copy_key","hosts":\["s2"\],"cred":"id_ed25519","action":"reused"\}\]' \
    "--json says the credential with the same key was reused"
is "$(ncreds)" 1 "no second credential"

printf 'Host s3 s4\n    IdentityFile ~/.ssh/id_s3\n' >"$D/ssh_config3"
run "$O" target import --ssh-config "$D/ssh_config3"
is "$rc" 0 "import without --create-creds"
like "$err" "note: 2 targets use the key ~/.ssh/id_s3 and have no credential: s3 s4" \
    "says which targets need which key"
like "$err" "add it with: opsicle cred add id_s3 --ssh-key ~/.ssh/id_s3" \
    "and the command to add it"
like "$err" "then: opsicle target edit s3 s4 --set-cred id_s3" \
    "and the command to attach it"
is "$(field s3 cred)" null "the targets have no credential"

# ---- --cred, --tag -----------------------------------------------------
printf 'Host c1 c2\n    HostName 127.0.0.7\n' >"$D/ssh_config4"
run "$O" target import --ssh-config "$D/ssh_config4" --cred nosuch
is "$rc" 1 "--cred with a missing credential is refused"
like "$err" 'no credential "nosuch"' "and says so"
is "$(field c1 name)" missing "nothing imported"
run "$O" target import --ssh-config "$D/ssh_config4" --cred id_ed25519 \
    --tag a --tag b
is "$rc" 0 "--cred with an existing credential"
is "$(field c1 cred):$(field c2 cred):$(field c2 tags)" \
    '"id_ed25519":"id_ed25519":["a","b"]' \
    "every imported target gets the credential and the tags"
run "$O" target import --ssh-config "$D/ssh_config4" --cred x --create-creds
is "$rc" 2 "--cred with --create-creds is a usage error"

# ---- Ansible INI: vars, children, ranges ---------------------------------
cat >"$D/hosts.ini" <<EOF
[all:vars]
ansible_user=root
ansible_port=2222
[web]
web[01:03] ansible_host=127.0.0.7
[web:vars]
ansible_user=webuser
[db]
db[a:b].example
dbz ansible_user=own ansible_ssh_common_args='-o ProxyJump=bastion'
[prod:children]
web
db
[prod:vars]
ansible_port=$P
EOF
run "$O" target import --ansible "$D/hosts.ini"
is "$rc" 0 "import --ansible INI"
is "$(field web02 host):$(field web02 port):$(field web02 user):$(field web02 tags)" \
    "\"127.0.0.7\":$P:\"webuser\":[\"prod\",\"web\"]" \
    "a range host gets its host var, [prod:vars] port, [web:vars] user, both tags"
is "$(field dbb.example port):$(field dbb.example user)" "$P:\"root\"" \
    "db[a:b] expands; [all:vars] user where no group sets one"
is "$(field dbz name)" missing "a jump in ansible_ssh_common_args is skipped"
printf 'big[1:5000]\n' >"$D/big.ini"
run "$O" target import --ansible "$D/big.ini"
is "$rc" 1 "a range past the limit is refused"
like "$err" 'big.ini:1: host range "big\[1:5000\]" expands to more than 4096 hosts' \
    "with a clear message"
is "$(field big1 name)" missing "and nothing is imported"

# ---- Ansible YAML --------------------------------------------------------
cat >"$D/inv.yml" <<EOF
all:
  vars:
    ansible_user: yuser
  children:
    yweb:
      hosts:
        y[1:2]:
          ansible_host: 127.0.0.7
          ansible_port: $P
EOF
run "$O" target import --ansible "$D/inv.yml" --dry-run
is "$rc:$(field y1 name)" "0:missing" "a YAML dry run adds nothing"
like "$out" "^would add y2$" "but says what it would add"
run "$O" target import --ansible "$D/inv.yml"
is "$rc" 0 "import --ansible YAML"
is "$(field y2 host):$(field y2 port):$(field y2 user):$(field y2 tags)" \
    "\"127.0.0.7\":$P:\"yuser\":[\"yweb\"]" "YAML hosts, vars and groups"
printf 'all:\n  hosts: [a, b]\n' >"$D/bad.yaml"
run "$O" target import --ansible "$D/bad.yaml"
is "$rc" 1 "a YAML file that is not an inventory is refused"
like "$err" 'bad.yaml:2: "hosts" of group all must be a mapping' "with file:line"

# ---- key files that cannot be used -------------------------------------
ssh-keygen -q -t ed25519 -N secretpw -f "$D/enc_key" </dev/null >/dev/null
printf 'Host e1\n    IdentityFile %s\n' "$D/enc_key" >"$D/ssh_config5"
run "$O" target import --ssh-config "$D/ssh_config5" --create-creds
is "$rc" 1 "an encrypted key file refuses --create-creds"
like "$err" "enc_key \(for e1\) is encrypted: add it with opsicle cred add NAME --ssh-key .* --key-passphrase" \
    "and says how to add it"
printf 'Host e2\n    IdentityFile %s\n' "$D/enc_key.pub" >"$D/ssh_config6"
run "$O" target import --ssh-config "$D/ssh_config6" --create-creds
like "$rc:$err" "^1:.*holds a public key" "a public key file is refused"
printf 'Host e3\n    IdentityFile %s\n' "$D/none" >"$D/ssh_config7"
run "$O" target import --ssh-config "$D/ssh_config7" --create-creds
like "$rc:$err" "^1:.*key file .*none \(for e3\): open .*: No such file" \
    "a missing key file is refused, naming the host"
is "$(field e1 name):$(field e2 name):$(field e3 name):$(ncreds)" \
    "missing:missing:missing:1" "none of them imported anything or made a credential"

ssh-keygen -q -t ed25519 -N '' -f "$D/other_key" </dev/null >/dev/null
printf 'Host d1\n    IdentityFile %s\n' "$D/other_key" >"$D/ssh_config8"
run "$O" target import --ssh-config "$D/ssh_config8" --create-creds --dry-run
like "$out" "^would create credential other_key from .*other_key for 1 target$" \
    "a dry run says which credential it would create"
is "$(ncreds):$(field d1 name)" "1:missing" "and creates none"

# ---- secrets -------------------------------------------------------------
body=$(sed -n 2p "$B/id_ed25519")
run grep -rF -- "$body" "$OPSICLE_HOME/logs"
is "$rc" 1 "no key byte in the daemon's logs"

"$O" daemon stop >/dev/null 2>&1
tap_finish
