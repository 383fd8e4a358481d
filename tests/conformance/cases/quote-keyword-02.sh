\echo escaped-command-name
e"ch"o quoted-part
