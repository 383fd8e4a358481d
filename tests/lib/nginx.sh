# nginx.sh - a private nginx with WebDAV PUT on 127.0.0.1, for the tests and
# benchmarks of the shared cache (sourced, not run). No root needed: every
# path nginx writes is under $ngx_dir.
#
#   ngx_start DIR [PORT]  start it (config, logs, document root under DIR); sets
#                    $ngx_port and $ngx_url (http://127.0.0.1:PORT)
#   ngx_stop         stop it (SIGQUIT, then SIGKILL)
#   ngx_kill         kill it at once (SIGKILL to the master and its worker)
#
# Locations: /cache/ (GET, HEAD, PUT), /basic/ (the same behind basic auth,
# user "shark" password "hunter2"), /bearer/ (behind "Authorization: Bearer
# sekrit"), /broken/ (500 for everything), /slow/ (/cache/ read at 4 MB/s). Requests are logged in
# $ngx_dir/access.log as "METHOD URI STATUS".

NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

ngx_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ngx_start() {
	ngx_dir=$1
	mkdir -p "$ngx_dir/www" "$ngx_dir/tmp" "$ngx_dir/logs"
	ngx_port=${2:-$(ngx_free_port)}
	ngx_url=http://127.0.0.1:$ngx_port
	printf 'shark:{PLAIN}hunter2\n' >"$ngx_dir/htpasswd"
	user=""
	[ "$(id -u)" -eq 0 ] && user="user root root;"
	cat >"$ngx_dir/nginx.conf" <<CONF
daemon off;
$user
worker_processes 1;
pid $ngx_dir/nginx.pid;
error_log $ngx_dir/error.log;
events { worker_connections 256; }
http {
	log_format plain '\$request_method \$uri \$status';
	access_log $ngx_dir/access.log plain;
	client_body_temp_path $ngx_dir/tmp/body;
	proxy_temp_path $ngx_dir/tmp/proxy;
	fastcgi_temp_path $ngx_dir/tmp/fastcgi;
	uwsgi_temp_path $ngx_dir/tmp/uwsgi;
	scgi_temp_path $ngx_dir/tmp/scgi;
	client_max_body_size 0;
	sendfile on;
	server {
		listen 127.0.0.1:$ngx_port;
		root $ngx_dir/www;
		location /cache/ {
			dav_methods PUT;
			create_full_put_path on;
			dav_access user:rw;
		}
		location /basic/ {
			auth_basic "shark";
			auth_basic_user_file $ngx_dir/htpasswd;
			dav_methods PUT;
			create_full_put_path on;
		}
		location /bearer/ {
			if (\$http_authorization != "Bearer sekrit") { return 401; }
			dav_methods PUT;
			create_full_put_path on;
		}
		location /broken/ { return 500; }
		location /slow/ {
			alias $ngx_dir/www/cache/;
			limit_rate 4m;
		}
	}
}
CONF
	"$NGINX" -p "$ngx_dir" -c "$ngx_dir/nginx.conf" -e "$ngx_dir/error.log" \
		</dev/null >>"$ngx_dir/stdout" 2>&1 &
	ngx_pid=$!
	i=0
	while ! curl -s -o /dev/null "$ngx_url/" && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

ngx_stop() {
	[ -n "${ngx_pid:-}" ] || return 0
	workers=$(pgrep -P "$ngx_pid")
	kill -QUIT "$ngx_pid" 2>/dev/null
	i=0
	while kill -0 "$ngx_pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -KILL "$ngx_pid" $workers 2>/dev/null
	wait "$ngx_pid" 2>/dev/null
	ngx_pid=""
}

ngx_kill() {
	[ -n "${ngx_pid:-}" ] || return 0
	# the master first (it would start a new worker), then its workers,
	# which outlive it otherwise and keep the port
	workers=$(pgrep -P "$ngx_pid")
	kill -KILL "$ngx_pid" $workers 2>/dev/null
	wait "$ngx_pid" 2>/dev/null
	ngx_pid=""
}
