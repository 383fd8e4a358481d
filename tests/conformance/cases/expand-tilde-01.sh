HOME=/h/me
echo ~ ~/ ~/a/b
