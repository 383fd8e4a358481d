/* show.c - turning a syntax tree back into shell text (for `jobs`). */
#include "shark/shell/ast.h"
#include "shark/util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shell aborts when out of memory. */
static void sb_add(struct util_buf *b, const char *s, size_t n)
{
	if (util_buf_add(b, s, n) < 0)
		abort();
}

static void sb_str(struct util_buf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void show_node(struct util_buf *b, const struct node *n, int depth);

static void show_word(struct util_buf *b, const struct word *w, int depth)
{
	if (w->aname) {
		sb_str(b, w->aname);
		sb_str(b, "=");
	}
	for (const struct wpart *p = w->parts; p; p = p->next) {
		switch (p->kind) {
		case WP_LIT:
			if (p->quoted) {
				sb_str(b, "'");
				sb_add(b, p->text, p->len);
				sb_str(b, "'");
			} else {
				sb_add(b, p->text, p->len);
			}
			break;
		case WP_PARAM:
			sb_str(b, "${");
			sb_str(b, p->name);
			sb_str(b, p->op != PO_NONE ? "...}" : "}");
			break;
		case WP_CMDSUB:
			sb_str(b, "$(");
			show_node(b, p->cmd, depth + 1);
			sb_str(b, ")");
			break;
		case WP_PROCSUB:
			sb_str(b, p->procsub_write ? ">(" : "<(");
			show_node(b, p->cmd, depth + 1);
			sb_str(b, ")");
			break;
		case WP_ARITH:
			sb_str(b, "$((");
			if (p->expr)
				show_word(b, p->expr, depth + 1);
			sb_str(b, "))");
			break;
		}
	}
}

static void show_node(struct util_buf *b, const struct node *n, int depth)
{
	if (!n || depth > 20)
		return;
	switch (n->kind) {
	case N_SIMPLE: {
		bool first = true;
		for (const struct word *w = n->assigns; w; w = w->next, first = false) {
			if (!first)
				sb_str(b, " ");
			show_word(b, w, depth);
		}
		for (const struct word *w = n->args; w; w = w->next, first = false) {
			if (!first)
				sb_str(b, " ");
			show_word(b, w, depth);
		}
		break;
	}
	case N_PIPE:
		if (n->bang)
			sb_str(b, "! ");
		for (size_t i = 0; i < n->nstages; i++) {
			if (i)
				sb_str(b, " | ");
			show_node(b, n->stages[i], depth + 1);
		}
		break;
	case N_AND:
	case N_OR:
		show_node(b, n->a, depth + 1);
		sb_str(b, n->kind == N_AND ? " && " : " || ");
		show_node(b, n->b, depth + 1);
		break;
	case N_SEQ:
		for (size_t i = 0; i < n->nstages; i++) {
			if (i)
				sb_str(b, "; ");
			show_node(b, n->stages[i], depth + 1);
		}
		break;
	case N_BG:
		show_node(b, n->a, depth + 1);
		sb_str(b, " &");
		break;
	case N_SUBSHELL:
		sb_str(b, "(");
		show_node(b, n->a, depth + 1);
		sb_str(b, ")");
		break;
	case N_GROUP:
		sb_str(b, "{ ");
		show_node(b, n->a, depth + 1);
		sb_str(b, "; }");
		break;
	case N_IF: sb_str(b, "if ...; fi"); break;
	case N_WHILE: sb_str(b, "while ...; done"); break;
	case N_UNTIL: sb_str(b, "until ...; done"); break;
	case N_FOR: sb_str(b, "for ...; done"); break;
	case N_CASE: sb_str(b, "case ... esac"); break;
	case N_DBRACKET: sb_str(b, "[[ ... ]]"); break;
	case N_ARITH: sb_str(b, "(( ... ))"); break;
	case N_FUNCDEF:
		sb_str(b, n->name);
		sb_str(b, "() ...");
		break;
	}
}

char *node_to_text(const struct node *n)
{
	struct util_buf b = { 0 };
	sb_str(&b, "");
	show_node(&b, n, 0);
	return b.s;
}
