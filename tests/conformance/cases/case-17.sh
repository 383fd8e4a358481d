for w in apple banana cherry; do
  case $w in
    a*|c*) echo "ac: $w" ;;
    *) echo "other: $w" ;;
  esac
done
