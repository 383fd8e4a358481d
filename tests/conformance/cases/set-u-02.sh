set -u
echo ${u-dash} ${u:+plus}
echo $#
echo "$@" done
