if true; then # comment after then
  echo yes # comment
fi # end
