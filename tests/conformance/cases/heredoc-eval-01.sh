eval 'cat <<END
from eval
END'
