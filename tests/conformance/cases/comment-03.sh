# comment with ; and | and & and $(
echo ok # ; echo no
