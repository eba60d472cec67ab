#!/bin/bash
# t/000-files.sh - every source file explains itself: each .c, .h, .sql and
# .sh under src/, include/, sql/, t/, bench/, docker/ and .ci/ opens with a
# comment naming its path and purpose. No servers.
src=${DROVER_SRCDIR:-.}
cd "$src" || exit 1
n=0
files=$(git ls-files 'src/*.[ch]' 'include/*.h' 'sql/*.sql' 'sql/*.sh' 't/*.[ch]' 't/*.sh' \
	'bench/*.sh' 'docker/*.sh' '.ci/*' '*.sh' 2>/dev/null | sort -u)
[ -n "$files" ] || files=$(find src include sql t bench docker .ci -type f \
	\( -name '*.[ch]' -o -name '*.sql' -o -name '*.sh' \) -not -path 't/tmp/*' 2>/dev/null | sort)
count=$(echo "$files" | wc -w)
echo "1..$count"
for f in $files; do
	n=$((n + 1))
	base=$(basename "$f")
	# first comment line within the first three lines must name the file
	head=$(head -n 3 "$f")
	case "$f" in
	*.c | *.h) pat='^/\* ' ;;
	*.sql) pat='^-- ' ;;
	*) pat='^# ' ;;
	esac
	if echo "$head" | grep -E "$pat" | grep -qF "$base"; then
		echo "ok $n - $f opens with a comment naming it"
	else
		echo "not ok $n - $f opens with a comment naming it"
	fi
done
