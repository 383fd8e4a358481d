echo $(cat <<END
from heredoc
END
)
