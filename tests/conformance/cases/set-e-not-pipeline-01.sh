set -e
! false | false
echo negated-pipeline-ok
