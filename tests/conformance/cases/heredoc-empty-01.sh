cat <<END
END
echo "[$(cat <<X
X
)]"
