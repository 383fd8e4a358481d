f()
{
  echo newline-brace
}
f
