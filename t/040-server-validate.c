/* t/040-server-validate.c - server names, API URLs, HOST:PORT addresses and
 * secret files are checked before anything is stored. No servers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "drover/secret.h"
#include "drover/server.h"
#include "lib/tap.h"

int main(void)
{
	struct dr_error err = { 0 };
	struct dr_secret s;
	char *url = NULL;
	char path[] = "/tmp/drover-t040-XXXXXX";
	int fd;

	ok(dr_server_check_name("w1", &err) == 0, "name 'w1' accepted");
	ok(dr_server_check_name("pdns-a.dc1_x", &err) == 0, "name 'pdns-a.dc1_x' accepted");
	ok(dr_server_check_name("", &err) == DR_EINVAL, "empty name rejected");
	ok(dr_server_check_name("-w", &err) == DR_EINVAL, "name '-w' rejected");
	ok(dr_server_check_name("w 1", &err) == DR_EINVAL && strstr(err.msg, "'w 1'"),
	   "name 'w 1' rejected and named");

	ok(dr_server_parse_api_url("http://127.0.0.1:8081/", &url, &err) == 0 &&
		   !strcmp(url, "http://127.0.0.1:8081"),
	   "API URL trailing slash dropped");
	free(url);
	ok(dr_server_parse_api_url("https://[::1]:8081", &url, &err) == 0, "IPv6 API URL accepted");
	free(url);
	ok(dr_server_parse_api_url("http://pdns1", &url, &err) == 0, "API URL without port");
	free(url);
	ok(dr_server_parse_api_url("ftp://x:1", &url, &err) == DR_EINVAL && strstr(err.msg, "ftp"),
	   "ftp:// rejected");
	ok(dr_server_parse_api_url("http://u:p@x:1", &url, &err) == DR_EINVAL,
	   "credentials in the URL rejected");
	ok(dr_server_parse_api_url("http://x:99999", &url, &err) == DR_EINVAL, "port 99999 rejected");
	ok(dr_server_parse_api_url("http://x:1/api", &url, &err) == DR_EINVAL,
	   "a path in the URL rejected");

	ok(dr_server_check_hostport("127.0.0.1:5300", "--dns", &err) == 0, "host:port accepted");
	ok(dr_server_check_hostport("[::1]:53", "--dns", &err) == 0, "[v6]:port accepted");
	ok(dr_server_check_hostport("127.0.0.1", "--dns", &err) == DR_EINVAL &&
		   strstr(err.msg, "--dns"),
	   "missing port rejected, option named");
	ok(dr_server_check_hostport("10.0.0.1:0", "--dns", &err) == DR_EINVAL, "port 0 rejected");
	ok(dr_server_check_hostport("localhost:53", "--dns", &err) == DR_EINVAL &&
		   strstr(err.msg, "IP:PORT"),
	   "a host name is rejected: the daemon resolves nothing on its loop");

	fd = mkstemp(path);
	if (fd < 0)
		bail("mkstemp failed");
	if (write(fd, "  k3y-value \nsecond line\n", 25) != 25)
		bail("write failed");
	close(fd);
	ok(dr_secret_read_file(&s, path, "--api-key-file", &err) == 0 &&
		   !strcmp(s.value, "k3y-value"),
	   "secret: first line, blanks trimmed");
	is_str(dr_secret_show(&s), "set", "a secret shows as 'set'");
	dr_secret_release(&s);
	ok(s.value == NULL, "released secret is unset");
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	ok(dr_secret_read_file(&s, path, "--api-key-file", &err) == DR_EINVAL &&
		   strstr(err.msg, "empty") && strstr(err.msg, "--api-key-file"),
	   "empty secret file rejected: %s", err.msg);
	unlink(path);
	ok(dr_secret_read_file(&s, path, "--api-key-file", &err) == DR_EINVAL &&
		   strstr(err.msg, path),
	   "missing secret file rejected, path named: %s", err.msg);
	return done_testing();
}
