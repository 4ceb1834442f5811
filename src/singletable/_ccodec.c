/*
 * singletable._ccodec: the codec's common cases in C (Python values <-> AttributeValues, item sizes).
 *
 * It mirrors the pure-Python fast paths in codec.py exactly and handles only what they handle inline:
 * exact built-in types (str, dict, list, tuple, int, bool, float, None, bytes, date, datetime,
 * decimal.Decimal, sets of str). On anything else (subclasses, enums, number sets, invalid numbers,
 * malformed AttributeValues, very deep nesting) it raises ``Fallback`` and codec.py re-runs the whole
 * call in Python, which handles the rest and words every error. So there is one place for the rules
 * and the messages (codec.py), and this file only has to be exact on the cases it takes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

#define MAX_DIGITS 38
/* DynamoDB nests at most 32 levels; deeper values go to Python, which lets the service refuse them. */
#define MAX_DEPTH 64

static PyObject *Fallback;
static PyObject *DecimalType;
static PyObject *DateType;
static PyObject *DateTimeType;
static PyObject *K_S, *K_N, *K_M, *K_L, *K_B, *K_BOOL, *K_NULL, *K_SS;
static PyObject *STR_isoformat;

static PyObject *
fallback(void)
{
    PyErr_SetNone(Fallback);
    return NULL;
}

/* {tag: value}; steals the reference to value. */
static PyObject *
wrap(PyObject *tag, PyObject *value)
{
    PyObject *d;
    if (value == NULL)
        return NULL;
    d = PyDict_New();
    if (d == NULL || PyDict_SetItem(d, tag, value) < 0) {
        Py_XDECREF(d);
        Py_DECREF(value);
        return NULL;
    }
    Py_DECREF(value);
    return d;
}

static PyObject *
wrap_borrowed(PyObject *tag, PyObject *value)
{
    Py_INCREF(value);
    return wrap(tag, value);
}

/* Significant digits of a number's text: codec.py's
 * text.lstrip("-").split("e")[0].split("E")[0].replace(".", "").strip("0"), counted. */
static Py_ssize_t
mantissa_len(PyObject *text)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0, pos = 0, first = -1, last = -1;
    while (i < n && PyUnicode_READ(kind, data, i) == '-')
        i++;
    for (; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == 'e' || c == 'E')
            break;
        if (c == '.')
            continue;
        if (c != '0') {
            if (first < 0)
                first = pos;
            last = pos;
        }
        pos++;
    }
    return first < 0 ? 0 : last - first + 1;
}

/* {"N": text}, or Fallback when the text holds more digits than DynamoDB keeps; steals text. */
static PyObject *
number(PyObject *text)
{
    if (text == NULL)
        return NULL;
    /* Digits are a subset of the characters: a short text cannot hold too many. */
    if (PyUnicode_GET_LENGTH(text) > MAX_DIGITS && mantissa_len(text) > MAX_DIGITS) {
        Py_DECREF(text);
        return fallback();
    }
    return wrap(K_N, text);
}

static PyObject *encode(PyObject *v, int depth);

static PyObject *
encode_map(PyObject *m, int depth)
{
    PyObject *out, *k, *v, *e;
    Py_ssize_t pos = 0;
    if (depth > MAX_DEPTH)
        return fallback();
    out = PyDict_New();
    if (out == NULL)
        return NULL;
    while (PyDict_Next(m, &pos, &k, &v)) {
        if (!PyUnicode_CheckExact(k)) {
            Py_DECREF(out);
            return fallback();
        }
        e = encode(v, depth + 1);
        if (e == NULL || PyDict_SetItem(out, k, e) < 0) {
            Py_XDECREF(e);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(e);
    }
    return wrap(K_M, out);
}

static PyObject *
encode_seq(PyObject *seq, int depth)
{
    Py_ssize_t i, n = PySequence_Fast_GET_SIZE(seq);
    PyObject **src = PySequence_Fast_ITEMS(seq);
    PyObject *out;
    if (depth > MAX_DEPTH)
        return fallback();
    out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *e = encode(src[i], depth + 1);
        if (e == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, e);
    }
    return wrap(K_L, out);
}

static PyObject *
encode_string_set(PyObject *s)
{
    PyObject *list, *it, *x;
    Py_ssize_t i = 0;
    if (PySet_GET_SIZE(s) == 0)
        return fallback();
    list = PyList_New(PySet_GET_SIZE(s));
    if (list == NULL)
        return NULL;
    it = PyObject_GetIter(s);
    if (it == NULL) {
        Py_DECREF(list);
        return NULL;
    }
    while ((x = PyIter_Next(it)) != NULL) {
        if (!PyUnicode_CheckExact(x) || i >= PyList_GET_SIZE(list)) {
            Py_DECREF(x);
            Py_DECREF(it);
            Py_DECREF(list);
            return fallback();
        }
        PyList_SET_ITEM(list, i++, x);
    }
    Py_DECREF(it);
    if (PyErr_Occurred() || i != PyList_GET_SIZE(list) || PyList_Sort(list) < 0) {
        Py_DECREF(list);
        return PyErr_Occurred() ? NULL : fallback();
    }
    return wrap(K_SS, list);
}

static PyObject *
encode(PyObject *v, int depth)
{
    PyTypeObject *t = Py_TYPE(v);
    if (t == &PyUnicode_Type)
        return wrap_borrowed(K_S, v);
    if (t == &PyDict_Type)
        return encode_map(v, depth);
    if (t == &PyLong_Type)
        return number(PyObject_Repr(v));
    if (t == (PyTypeObject *)DecimalType) {
        PyObject *text = PyObject_Str(v);
        if (text == NULL)
            return NULL;
        /* NaN, sNaN and Infinity spell themselves with N or I; finite Decimals never do. */
        if (PyUnicode_FindChar(text, 'N', 0, PyUnicode_GET_LENGTH(text), 1) != -1 ||
            PyUnicode_FindChar(text, 'I', 0, PyUnicode_GET_LENGTH(text), 1) != -1) {
            Py_DECREF(text);
            return fallback();
        }
        return number(text);
    }
    if (t == &PyList_Type || t == &PyTuple_Type)
        return encode_seq(v, depth);
    if (t == &PyBool_Type)
        return wrap_borrowed(K_BOOL, v);
    if (t == &PyFloat_Type) {
        if (!isfinite(PyFloat_AS_DOUBLE(v)))
            return fallback();
        return number(PyObject_Repr(v));
    }
    if (v == Py_None)
        return wrap_borrowed(K_NULL, Py_True);
    if (t == (PyTypeObject *)DateType || t == (PyTypeObject *)DateTimeType)
        return wrap(K_S, PyObject_CallMethodNoArgs(v, STR_isoformat));
    if (t == &PyBytes_Type)
        return wrap_borrowed(K_B, v);
    if (t == &PySet_Type || t == &PyFrozenSet_Type)
        return encode_string_set(v);
    return fallback();
}

/* -- decoding ----------------------------------------------------------------------------------- */

static PyObject *
parse_number(PyObject *text)
{
    Py_ssize_t n;
    if (!PyUnicode_CheckExact(text))
        return fallback();
    n = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_FindChar(text, '.', 0, n, 1) != -1 || PyUnicode_FindChar(text, 'e', 0, n, 1) != -1 ||
        PyUnicode_FindChar(text, 'E', 0, n, 1) != -1)
        return PyObject_CallOneArg(DecimalType, text);
    return PyLong_FromUnicodeObject(text, 10);
}

/* The only entry of a one-entry AttributeValue, or 0 (caller falls back) for anything else. */
static int
only_entry(PyObject *av, PyObject **tag, PyObject **raw)
{
    Py_ssize_t pos = 0;
    if (!PyDict_CheckExact(av) || PyDict_GET_SIZE(av) != 1)
        return 0;
    PyDict_Next(av, &pos, tag, raw);
    return PyUnicode_CheckExact(*tag) && PyUnicode_GET_LENGTH(*tag) >= 1;
}

static PyObject *decode(PyObject *av, int depth);

static PyObject *
decode_map(PyObject *m, int depth)
{
    PyObject *out, *k, *v, *d;
    Py_ssize_t pos = 0;
    if (depth > MAX_DEPTH)
        return fallback();
    out = PyDict_New();
    if (out == NULL)
        return NULL;
    while (PyDict_Next(m, &pos, &k, &v)) {
        d = decode(v, depth + 1);
        if (d == NULL || PyDict_SetItem(out, k, d) < 0) {
            Py_XDECREF(d);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(d);
    }
    return out;
}

static PyObject *
decode_list(PyObject *l, int depth)
{
    Py_ssize_t i, n = PyList_GET_SIZE(l);
    PyObject *out;
    if (depth > MAX_DEPTH)
        return fallback();
    out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *d = decode(PyList_GET_ITEM(l, i), depth + 1);
        if (d == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, d);
    }
    return out;
}

static PyObject *
decode_number_set(PyObject *raw)
{
    Py_ssize_t i;
    PyObject *out;
    if (!PyList_CheckExact(raw))
        return fallback();
    out = PySet_New(NULL);
    if (out == NULL)
        return NULL;
    for (i = 0; i < PyList_GET_SIZE(raw); i++) {
        PyObject *x = parse_number(PyList_GET_ITEM(raw, i));
        if (x == NULL || PySet_Add(out, x) < 0) {
            Py_XDECREF(x);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(x);
    }
    return out;
}

static PyObject *
decode(PyObject *av, int depth)
{
    PyObject *tag, *raw;
    Py_UCS4 c0, c1;
    if (!only_entry(av, &tag, &raw))
        return fallback();
    c0 = PyUnicode_READ_CHAR(tag, 0);
    switch (PyUnicode_GET_LENGTH(tag)) {
    case 1:
        if (c0 == 'S' || c0 == 'B')
            return Py_NewRef(raw);
        if (c0 == 'N')
            return parse_number(raw);
        if (c0 == 'M' && PyDict_CheckExact(raw))
            return decode_map(raw, depth);
        if (c0 == 'L' && PyList_CheckExact(raw))
            return decode_list(raw, depth);
        break;
    case 2:
        c1 = PyUnicode_READ_CHAR(tag, 1);
        if (c1 != 'S')
            break;
        if (c0 == 'S' || c0 == 'B')
            return PySet_New(raw);
        if (c0 == 'N')
            return decode_number_set(raw);
        break;
    case 4:
        if (PyUnicode_Compare(tag, K_BOOL) == 0)
            return Py_NewRef(raw);
        if (PyUnicode_Compare(tag, K_NULL) == 0)
            Py_RETURN_NONE;
        break;
    }
    return fallback();
}

/* -- sizes by DynamoDB's rules -------------------------------------------------------------------- */

static Py_ssize_t
str_size(PyObject *s)
{
    Py_ssize_t n;
    if (!PyUnicode_CheckExact(s))
        return -2;
    if (PyUnicode_IS_ASCII(s))
        return PyUnicode_GET_LENGTH(s);
    if (PyUnicode_AsUTF8AndSize(s, &n) == NULL)
        return -1;
    return n;
}

static Py_ssize_t
number_size(PyObject *text)
{
    if (!PyUnicode_CheckExact(text))
        return -2;
    return (mantissa_len(text) + 1) / 2 + 1;
}

/* Bytes one AttributeValue counts for; -1 with an exception set, -2 to fall back to Python. */
static Py_ssize_t
size_of(PyObject *av, int depth)
{
    PyObject *tag, *raw, *k, *v;
    Py_ssize_t total = 0, part, pos = 0, i;
    Py_UCS4 c0;
    if (depth > MAX_DEPTH || !only_entry(av, &tag, &raw))
        return -2;
    c0 = PyUnicode_READ_CHAR(tag, 0);
    switch (PyUnicode_GET_LENGTH(tag)) {
    case 1:
        if (c0 == 'S')
            return str_size(raw);
        if (c0 == 'N')
            return number_size(raw);
        if (c0 == 'B')
            return PyBytes_CheckExact(raw) ? PyBytes_GET_SIZE(raw) : -2;
        if (c0 == 'M' && PyDict_CheckExact(raw)) {
            total = 3;
            while (PyDict_Next(raw, &pos, &k, &v)) {
                Py_ssize_t ks = str_size(k);
                if (ks < 0)
                    return ks;
                part = size_of(v, depth + 1);
                if (part < 0)
                    return part;
                total += ks + part + 1;
            }
            return total;
        }
        if (c0 == 'L' && PyList_CheckExact(raw)) {
            total = 3;
            for (i = 0; i < PyList_GET_SIZE(raw); i++) {
                part = size_of(PyList_GET_ITEM(raw, i), depth + 1);
                if (part < 0)
                    return part;
                total += part + 1;
            }
            return total;
        }
        return -2;
    case 2:
        if (PyUnicode_READ_CHAR(tag, 1) != 'S' || !PyList_CheckExact(raw))
            return -2;
        for (i = 0; i < PyList_GET_SIZE(raw); i++) {
            PyObject *x = PyList_GET_ITEM(raw, i);
            if (c0 == 'S')
                part = str_size(x);
            else if (c0 == 'N')
                part = number_size(x);
            else if (c0 == 'B')
                part = PyBytes_CheckExact(x) ? PyBytes_GET_SIZE(x) : -2;
            else
                part = -2;
            if (part < 0)
                return part;
            total += part;
        }
        return total;
    case 4:
        if (PyUnicode_Compare(tag, K_BOOL) == 0 || PyUnicode_Compare(tag, K_NULL) == 0)
            return 1;
        return -2;
    }
    return -2;
}

static PyObject *
size_result(Py_ssize_t n)
{
    if (n == -1)
        return NULL;
    if (n < 0)
        return fallback();
    return PyLong_FromSsize_t(n);
}

/* -- module functions ----------------------------------------------------------------------------- */

static PyObject *
c_serialize(PyObject *self, PyObject *item)
{
    PyObject *out, *k, *v, *e;
    Py_ssize_t pos = 0;
    if (!PyDict_CheckExact(item))
        return fallback();
    out = PyDict_New();
    if (out == NULL)
        return NULL;
    while (PyDict_Next(item, &pos, &k, &v)) {
        if (v == Py_None)
            continue; /* absent, not NULL */
        e = encode(v, 1);
        if (e == NULL || PyDict_SetItem(out, k, e) < 0) {
            Py_XDECREF(e);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(e);
    }
    return out;
}

static PyObject *
c_deserialize(PyObject *self, PyObject *item)
{
    if (!PyDict_CheckExact(item))
        return fallback();
    return decode_map(item, 1);
}

static PyObject *
c_to_attr(PyObject *self, PyObject *value)
{
    return encode(value, 1);
}

static PyObject *
c_from_attr(PyObject *self, PyObject *av)
{
    return decode(av, 1);
}

static PyObject *
c_attr_size(PyObject *self, PyObject *av)
{
    return size_result(size_of(av, 1));
}

static PyObject *
c_item_size(PyObject *self, PyObject *item)
{
    PyObject *k, *v;
    Py_ssize_t pos = 0, total = 0, ks, vs;
    if (!PyDict_CheckExact(item))
        return fallback();
    while (PyDict_Next(item, &pos, &k, &v)) {
        ks = str_size(k);
        if (ks < 0)
            return size_result(ks);
        vs = size_of(v, 1);
        if (vs < 0)
            return size_result(vs);
        total += ks + vs;
    }
    return PyLong_FromSsize_t(total);
}

static PyMethodDef methods[] = {
    {"serialize", c_serialize, METH_O, "A dict as a DynamoDB item (None values left out)."},
    {"deserialize", c_deserialize, METH_O, "A DynamoDB item as a plain dict."},
    {"to_attr", c_to_attr, METH_O, "One value as an AttributeValue."},
    {"from_attr", c_from_attr, METH_O, "One AttributeValue as a plain value."},
    {"attr_size", c_attr_size, METH_O, "Bytes one AttributeValue counts for."},
    {"item_size", c_item_size, METH_O, "Bytes an item counts for."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "singletable._ccodec",
    "The codec's common cases in C; codec.py falls back to Python on Fallback.", -1, methods,
    NULL, NULL, NULL, NULL,
};

static PyObject *
import_attr(const char *mod, const char *name)
{
    PyObject *m = PyImport_ImportModule(mod), *a;
    if (m == NULL)
        return NULL;
    a = PyObject_GetAttrString(m, name);
    Py_DECREF(m);
    return a;
}

PyMODINIT_FUNC
PyInit__ccodec(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Fallback = PyErr_NewExceptionWithDoc(
        "singletable._ccodec.Fallback", "This value needs the pure-Python codec.", NULL, NULL);
    DecimalType = import_attr("decimal", "Decimal");
    DateType = import_attr("datetime", "date");
    DateTimeType = import_attr("datetime", "datetime");
    K_S = PyUnicode_InternFromString("S");
    K_N = PyUnicode_InternFromString("N");
    K_M = PyUnicode_InternFromString("M");
    K_L = PyUnicode_InternFromString("L");
    K_B = PyUnicode_InternFromString("B");
    K_BOOL = PyUnicode_InternFromString("BOOL");
    K_NULL = PyUnicode_InternFromString("NULL");
    K_SS = PyUnicode_InternFromString("SS");
    STR_isoformat = PyUnicode_InternFromString("isoformat");
    if (Fallback == NULL || DecimalType == NULL || DateType == NULL || DateTimeType == NULL ||
        K_S == NULL || K_N == NULL || K_M == NULL || K_L == NULL || K_B == NULL || K_BOOL == NULL ||
        K_NULL == NULL || K_SS == NULL || STR_isoformat == NULL ||
        PyModule_AddObjectRef(m, "Fallback", Fallback) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
