# t/lib/tap.sh - TAP helpers for drover's shell tests: ok, is, like, unlike,
# diag, and done_testing, which prints the plan and sets the exit status.
# Source it; it keeps its counters in _tap_* variables.
_tap_n=0
_tap_failed=0

ok() { # COND_STATUS DESCRIPTION - pass when COND_STATUS is 0
	local status=$1
	shift
	_tap_n=$((_tap_n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $_tap_n - $*"
	else
		echo "not ok $_tap_n - $*"
		_tap_failed=$((_tap_failed + 1))
	fi
	return "$status"
}

is() { # GOT WANT DESCRIPTION
	local got=$1 want=$2
	shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$*"
	else
		ok 1 "$*"
		diag "got '$got', want '$want'"
		return 1
	fi
}

like() { # TEXT SUBSTRING DESCRIPTION
	local text=$1 sub=$2
	shift 2
	case $text in
	*"$sub"*) ok 0 "$*" ;;
	*)
		ok 1 "$*"
		diag "want it to contain '$sub', got:"
		diag "$text"
		return 1
		;;
	esac
}

unlike() { # TEXT SUBSTRING DESCRIPTION
	local text=$1 sub=$2
	shift 2
	case $text in
	*"$sub"*)
		ok 1 "$*"
		diag "must not contain '$sub'"
		return 1
		;;
	*) ok 0 "$*" ;;
	esac
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# Run a command, keeping its stdout in $out, stderr in $err, status in $rc.
run() {
	local _o _e
	_o=$(mktemp) _e=$(mktemp)
	"$@" >"$_o" 2>"$_e"
	rc=$?
	out=$(cat "$_o")
	err=$(cat "$_e")
	rm -f "$_o" "$_e"
	return 0
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}
