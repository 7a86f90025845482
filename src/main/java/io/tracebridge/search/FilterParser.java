package io.tracebridge.search;

import io.tracebridge.model.MlflowException;
import io.tracebridge.search.FilterLexer.Token;
import io.tracebridge.search.FilterLexer.Type;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses MLflow's filter grammar into clauses joined by AND. It checks syntax only; which keys,
 * comparators and values a search accepts is the caller's validation. Every failure is an
 * INVALID_PARAMETER_VALUE {@link MlflowException} with a message in MLflow's words: where MLflow's
 * SQL tokenizer (sqlparse) leaves tokens outside any comparison, MLflow lists them
 * ({@code Invalid clause(s) in filter string: 'OR'}), and so does this parser, quoting each token
 * as written and grouping them as sqlparse would for the common cases (an identifier followed by a
 * word is one token, a comparison followed by a word too).
 */
public final class FilterParser {
    /** Longest filter string accepted, so a hostile string cannot make parsing expensive. */
    public static final int MAX_FILTER_LENGTH = 20_000;
    /** Each clause becomes a condition (often a subquery); more would only slow the planner down. */
    public static final int MAX_CLAUSES = 50;
    /** Values in one IN (...) list. */
    public static final int MAX_IN_VALUES = 1_000;

    private final String source;
    private final List<Token> tokens;
    private int pos;

    private FilterParser(String source) {
        this.source = source;
        this.tokens = FilterLexer.tokenize(source);
    }

    /** An empty or blank filter gives no clauses. */
    public static List<Clause> parse(String filter) {
        if (filter == null || filter.isBlank()) {
            return List.of();
        }
        if (filter.length() > MAX_FILTER_LENGTH) {
            throw MlflowException.invalid("Filter string is too long: " + filter.length()
                    + " characters; at most " + MAX_FILTER_LENGTH + " are allowed");
        }
        return new FilterParser(filter).clauses();
    }

    private List<Clause> clauses() {
        // MLflow's SearchUtils.parse_search_filter: sqlparse splits statements at ';' before anything else.
        for (Token t : tokens) {
            if (t.type() == Type.SEMICOLON && !source.substring(t.end()).isBlank()) {
                throw MlflowMessages.multipleExpressions(source);
            }
        }
        List<Clause> out = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        int clauseStart = peek().position();
        out.add(clause());
        while (peek().type() != Type.END) {
            Token t = next();
            if (t.type() == Type.SEMICOLON) {
                invalid.add(";"); // a trailing ';' stays in the one statement
                continue;
            }
            if (word(t, "AND") || word(t, "OR")) {
                if (word(t, "OR")) {
                    invalid.add(t.text());
                }
                if (out.size() >= MAX_CLAUSES) {
                    throw MlflowException.invalid("Filter string has more than " + MAX_CLAUSES
                            + " AND-ed clauses; narrow it down");
                }
                clauseStart = peek().position();
                out.add(clause());
            } else if (t.type() == Type.WORD || t.type() == Type.BACKTICK) {
                // sqlparse takes a name right after a comparison as its alias: one token.
                int end = t.end();
                while (isName(peek()) && !word(peek(), "AND") && !word(peek(), "OR")) {
                    end = next().end();
                }
                invalid.add(source.substring(clauseStart, end));
            } else {
                invalid.add(groupText(t));
            }
        }
        if (!invalid.isEmpty()) {
            throw MlflowMessages.invalidClauses(invalid);
        }
        return out;
    }

    private Clause clause() {
        int start = peek().position();
        Token first = next();
        if (first.type() == Type.END) {
            // A dangling AND or OR at the end.
            throw MlflowMessages.invalidClauses(List.of(text(tokens.get(pos - 1))));
        }
        if (!isIdentifierPart(first)) {
            if ((first.type() == Type.NUMBER || (first.type() == Type.STRING && first.quote() == '\''))
                    && peek().type() == Type.OP) {
                // MLflow's SearchUtils._validate_comparison: a comparison whose left side is a value.
                throw MlflowMessages.expectedIdentifier(text(first));
            }
            pos--;
            throw MlflowMessages.invalidClauses(restOfClause(new ArrayList<>()));
        }
        List<String> parts = new ArrayList<>();
        parts.add(first.text());
        int identEnd = first.end();
        while (peek().type() == Type.DOT) {
            identEnd = next().end();
            if (isIdentifierPart(peek())) {
                Token part = next();
                parts.add(part.text());
                identEnd = part.end();
            } else {
                parts.add("");
                break;
            }
        }
        String prefix = parts.size() == 1 ? null : parts.get(0);
        String key = parts.size() == 1 ? parts.get(0) : String.join(".", parts.subList(1, parts.size()));
        String identText = source.substring(start, identEnd);

        if (isName(peek()) && !isComparatorWord(peek())) {
            // sqlparse takes "name alias" as one identifier, and then finds no comparison.
            int end = identEnd;
            while (isName(peek()) && !isComparatorWord(peek())) {
                end = next().end();
            }
            List<String> invalid = new ArrayList<>();
            invalid.add(source.substring(start, end));
            throw MlflowMessages.invalidClauses(restOfClause(invalid));
        }

        int opStart = peek().position();
        Comparator cmp = comparator(identText);
        String opText = opText(cmp, source.substring(opStart, tokens.get(pos - 1).end()));
        List<String> opTokens = opTokens(opStart);
        if (cmp == Comparator.IS_NULL || cmp == Comparator.IS_NOT_NULL) {
            return new Clause(prefix, key, cmp, null, false, new Clause.Source(identText, opText, opTokens, null));
        }
        Token v = peek();
        switch (v.type()) {
            case STRING:
                next();
                return new Clause(prefix, key, cmp, v.text(), true,
                        new Clause.Source(identText, opText, opTokens, text(v)));
            case NUMBER:
                next();
                try {
                    return new Clause(prefix, key, cmp, new BigDecimal(v.text()), false,
                            new Clause.Source(identText, opText, opTokens, v.text()));
                } catch (NumberFormatException e) {
                    throw MlflowException.invalid("Invalid number '" + v.text() + "' in filter string");
                }
            case LPAREN: {
                int close = matchingParen(pos);
                if (close < 0) {
                    throw invalidAfterComparator(identText, opTokens);
                }
                String text = source.substring(v.position(), tokens.get(close).end());
                Object list = list(pos + 1, close);
                if (list instanceof Clause.InvalidList bad && readsListFirst(prefix, key)) {
                    throw MlflowException.invalid(bad.message());
                }
                pos = close + 1;
                return new Clause(prefix, key, cmp, list, true, new Clause.Source(identText, opText, opTokens, text));
            }
            case WORD:
                if (word(v, "AND") || word(v, "OR")) {
                    throw invalidAfterComparator(identText, opTokens);
                }
                next();
                return new Clause(prefix, key, cmp, v.text(), false, new Clause.Source(identText, opText, opTokens, v.text()));
            case BACKTICK:
                // A back-quoted value is a name to sqlparse; MLflow then finds it unquoted.
                next();
                return new Clause(prefix, key, cmp, text(v), false, new Clause.Source(identText, opText, opTokens, text(v)));
            default:
                throw invalidAfterComparator(identText, opTokens);
        }
    }

    /**
     * Whether MLflow's parser reads a list for this identifier before it checks anything else
     * about the value ({@code SearchTraceUtils._get_value}: tags, spans, and the attributes that
     * take lists). For the others MLflow says first that no list belongs there, which is the
     * caller's check.
     */
    private static boolean readsListFirst(String prefix, String key) {
        if (prefix == null) {
            return MlflowMessages.IN_ATTRIBUTE_KEYS.contains(key);
        }
        return switch (prefix.toLowerCase(Locale.ROOT)) {
            case "attribute", "attributes", "trace" -> MlflowMessages.IN_ATTRIBUTE_KEYS.contains(key);
            case "tag", "tags", "span" -> true;
            default -> false;
        };
    }

    /** The comparator tokens left alone: identifier, comparator tokens, then the rest of the clause. */
    private MlflowException invalidAfterComparator(String identText, List<String> opTokens) {
        List<String> invalid = new ArrayList<>();
        invalid.add(identText);
        invalid.addAll(opTokens);
        return MlflowMessages.invalidClauses(restOfClause(invalid));
    }

    /**
     * A list's elements: strings, or an {@link Clause.InvalidList} with MLflow's reason
     * ({@code ast.literal_eval} of the parenthesised text, then a check that all are strings).
     */
    private Object list(int from, int close) {
        List<Object> elements = new ArrayList<>();
        boolean allStrings = true;
        int i = from;
        while (i < close) {
            Token t = tokens.get(i);
            if (t.type() == Type.STRING) {
                elements.add(t.text());
            } else if (t.type() == Type.NUMBER) {
                if (MlflowMessages.pyNumber(t.text()) == null) {
                    return new Clause.InvalidList(MlflowMessages.illFormedList());
                }
                elements.add(new MlflowMessages.NumberLiteral(t.text()));
                allStrings = false;
            } else {
                return new Clause.InvalidList(MlflowMessages.illFormedList());
            }
            if (elements.size() > MAX_IN_VALUES) {
                throw MlflowException.invalid("An IN list may hold at most " + MAX_IN_VALUES + " values");
            }
            i++;
            if (i < close) {
                if (tokens.get(i).type() != Type.COMMA) {
                    return new Clause.InvalidList(MlflowMessages.illFormedList());
                }
                i++;
            }
        }
        if (elements.isEmpty()) {
            // "()" is an empty tuple; "(,)" is no Python literal at all.
            return new Clause.InvalidList(close == from ? MlflowMessages.emptyList() : MlflowMessages.illFormedList());
        }
        if (!allStrings) {
            boolean trailingComma = tokens.get(close - 1).type() == Type.COMMA;
            // "(1)" is the number 1, which MLflow puts in a one-element tuple; "(1,)" is that tuple.
            return new Clause.InvalidList(MlflowMessages.nonStringInList(MlflowMessages.pyTuple(
                    elements.size() == 1 && !trailingComma ? List.of(elements.get(0)) : elements)));
        }
        List<String> values = new ArrayList<>();
        elements.forEach(e -> values.add((String) e));
        return values;
    }

    private Comparator comparator(String identText) {
        Token t = next();
        if (t.type() == Type.OP) {
            return switch (t.text()) {
                case "=" -> Comparator.EQ;
                case "!=", "<>" -> Comparator.NE;
                case "<" -> Comparator.LT;
                case "<=" -> Comparator.LE;
                case ">" -> Comparator.GT;
                case ">=" -> Comparator.GE;
                default -> Comparator.OTHER;
            };
        }
        if (t.type() == Type.WORD) {
            switch (t.text().toUpperCase(Locale.ROOT)) {
                case "LIKE":
                    return Comparator.LIKE;
                case "ILIKE":
                    return Comparator.ILIKE;
                case "RLIKE":
                    return Comparator.RLIKE;
                case "IN":
                    if (peek().type() == Type.LPAREN) {
                        return Comparator.IN;
                    }
                    break;
                case "NOT":
                    if (word(peek(), "LIKE") || word(peek(), "ILIKE") || word(peek(), "RLIKE")) {
                        next();
                        return Comparator.OTHER; // sqlparse's NOT LIKE: a comparison no key accepts
                    }
                    if (word(peek(), "IN") && tokens.get(pos + 1).type() == Type.LPAREN) {
                        next();
                        return Comparator.NOT_IN;
                    }
                    break;
                case "IS":
                    if (word(peek(), "NULL")) {
                        next();
                        return Comparator.IS_NULL;
                    }
                    if (word(peek(), "NOT") && word(tokens.get(pos + 1), "NULL")) {
                        next();
                        next();
                        return Comparator.IS_NOT_NULL;
                    }
                    break;
                default:
                    break;
            }
        }
        // No comparison: MLflow lists the identifier and what follows as invalid clauses.
        if (t.type() != Type.END) {
            pos--;
        }
        List<String> invalid = new ArrayList<>();
        invalid.add(identText);
        throw MlflowMessages.invalidClauses(restOfClause(invalid));
    }

    /** The comparator as MLflow prints it: symbols and keywords as written, NOT IN / NOT LIKE as one word pair. */
    private static String opText(Comparator cmp, String written) {
        if (cmp == Comparator.NOT_IN) {
            return "NOT IN";
        }
        return written.replaceAll("\\s+", " ");
    }

    /** The comparator's tokens as sqlparse cuts them (IS, then NULL or NOT NULL). */
    private List<String> opTokens(int opStart) {
        List<String> out = new ArrayList<>();
        int from = indexAt(opStart);
        for (int k = from; k < pos; k++) {
            Token t = tokens.get(k);
            if (word(t, "NULL") && k > from && word(tokens.get(k - 1), "NOT") && out.size() > 1) {
                out.set(out.size() - 1, source.substring(tokens.get(k - 1).position(), t.end()));
            } else {
                out.add(source.substring(t.position(), t.end()));
            }
        }
        return out;
    }

    private int indexAt(int position) {
        for (int k = 0; k < tokens.size(); k++) {
            if (tokens.get(k).position() == position) {
                return k;
            }
        }
        return pos;
    }

    /** Appends the raw text of the tokens from the current one to the next AND (or the end). */
    private List<String> restOfClause(List<String> into) {
        while (peek().type() != Type.END && !word(peek(), "AND")) {
            into.add(groupText(next()));
        }
        return into;
    }

    /** A token's text as written; a parenthesis with everything up to its match. */
    private String groupText(Token t) {
        if (t.type() == Type.LPAREN) {
            int close = matchingParen(pos - 1);
            if (close >= 0) {
                pos = close + 1;
                return source.substring(t.position(), tokens.get(close).end());
            }
        }
        return text(t);
    }

    private int matchingParen(int open) {
        int depth = 0;
        for (int k = open; k < tokens.size(); k++) {
            Type type = tokens.get(k).type();
            if (type == Type.LPAREN) {
                depth++;
            } else if (type == Type.RPAREN && --depth == 0) {
                return k;
            }
        }
        return -1;
    }

    private String text(Token t) {
        return source.substring(t.position(), t.end());
    }

    private static boolean isIdentifierPart(Token t) {
        return t.type() == Type.WORD || t.type() == Type.BACKTICK
                || (t.type() == Type.STRING && t.quote() == '"');
    }

    /** What sqlparse groups as a name: a word, a back-quoted name or a double-quoted string. */
    private static boolean isName(Token t) {
        return isIdentifierPart(t);
    }

    private static boolean isComparatorWord(Token t) {
        if (t.type() != Type.WORD) {
            return false;
        }
        return switch (t.text().toUpperCase(Locale.ROOT)) {
            case "LIKE", "ILIKE", "RLIKE", "IN", "NOT", "IS", "AND", "OR" -> true;
            default -> false;
        };
    }

    private static boolean word(Token t, String w) {
        return t.type() == Type.WORD && t.text().equalsIgnoreCase(w);
    }

    private Token peek() {
        return tokens.get(pos);
    }

    private Token next() {
        Token t = tokens.get(pos);
        if (t.type() != Type.END) {
            pos++;
        }
        return t;
    }
}
