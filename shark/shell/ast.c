/* ast.c - freeing and sharing syntax trees (types in ast.h). */
#include "shark/shell/ast.h"

#include <stdlib.h>

static void wpart_free(struct wpart *p)
{
	while (p) {
		struct wpart *next = p->next;
		free(p->text);
		free(p->name);
		word_free(p->arg);
		word_free(p->arg2);
		word_free(p->index);
		ast_free(p->cmd);
		word_free(p->expr);
		free(p);
		p = next;
	}
}

void word_free(struct word *w)
{
	while (w) {
		struct word *next = w->next;
		wpart_free(w->parts);
		word_free(w->elems);
		free(w->aname);
		free(w);
		w = next;
	}
}

static void redir_free(struct redir *r)
{
	while (r) {
		struct redir *next = r->next;
		word_free(r->target);
		free(r);
		r = next;
	}
}

struct node *ast_ref(struct node *n)
{
	if (n)
		n->refs++;
	return n;
}

void ast_free(struct node *n)
{
	if (!n || --n->refs > 0)
		return;
	redir_free(n->redirs);
	word_free(n->assigns);
	word_free(n->args);
	for (size_t i = 0; i < n->nstages; i++)
		ast_free(n->stages[i]);
	free(n->stages);
	ast_free(n->a);
	ast_free(n->b);
	ast_free(n->c);
	free(n->name);
	free(n->text);
	word_free(n->words);
	word_free(n->subject);
	for (struct case_item *ci = n->items, *next; ci; ci = next) {
		next = ci->next;
		word_free(ci->patterns);
		ast_free(ci->body);
		free(ci);
	}
	free(n);
}
