#pragma once
// The members of a sim::Json object: each member allocated on its own, and a sorted array of
// pointers to them as the index.
//
// Why not std::map (what nlohmann::json uses): a tree node per member is 80 bytes (three
// pointers and a colour besides the key and the value) and walking it is a pointer chase per
// level. Here a member is a reference to its key and its value (24 bytes, allocated once and
// never moved; the key is stored once for the process, json_keys.hpp), and the index is one array
// of 8-byte pointers in key order: lookups are a binary search over it, iteration walks it. Objects
// are small (a pod's largest has a dozen members), so inserting in the middle moves a few pointers.
//
// What std::map promises that this keeps: a reference or pointer to a member stays valid until
// that member is erased (members never move), and iteration is in key order (BytesLess: the
// order of std::string::compare), so dumps are the same bytes. What it does not keep: an
// iterator is a position in the index, so any insert or erase in the same object invalidates
// the object's iterators. Built with SIM_JSON_CHECKED (the sanitizer builds), every insert and
// erase moves the index to a new array and frees the old one, so AddressSanitizer reports any
// iterator used after a change.

#include <algorithm>
#include <compare>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/kernel/byte_order.hpp"
#include "sim/kernel/json_keys.hpp"

namespace sim {

template <class Key, class Value>
class JsonMembers {
  public:
    using key_type = Key;
    using mapped_type = Value;
    // The key is a reference: to the process's stored copy (json_keys.hpp), or to the member's
    // own copy when the table does not take it.
    using value_type = std::pair<const Key&, Value>;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using key_compare = BytesLess;
    using reference = value_type&;
    using const_reference = const value_type&;
    using pointer = value_type*;
    using const_pointer = const value_type*;
    using allocator_type = std::allocator<value_type>;

  private:
    static_assert(std::is_same_v<Key, std::string>, "keys are stored in JsonKeys");

    // Frees a member and, unless the table holds it, its key.
    struct Release {
        void operator()(value_type* member) const noexcept {
            const Key* key = &member->first;
            (void)std::unique_ptr<value_type>(member);  // freed here
            if (!JsonKeys::table().holds(key)) (void)std::unique_ptr<const Key>(key);
        }
    };
    // A member being made or copied, until the index takes it.
    using Owned = std::unique_ptr<value_type, Release>;
    // The index holds plain pointers, freed by the object (~JsonMembers, erase, clear): an
    // insert or erase in the middle then moves them as bytes.
    using Slot = value_type*;

    template <bool Const>
    class basic_iterator {
      public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = JsonMembers::value_type;
        using difference_type = std::ptrdiff_t;
        using pointer = std::conditional_t<Const, const value_type*, value_type*>;
        using reference = std::conditional_t<Const, const value_type&, value_type&>;

        basic_iterator() = default;
        explicit basic_iterator(const Slot* at) : at_(at) {}
        template <bool C = Const, class = std::enable_if_t<C>>
        basic_iterator(const basic_iterator<false>& other)  // NOLINT: iterator to const_iterator
            : at_(other.at_) {}

        reference operator*() const { return **at_; }
        pointer operator->() const { return *at_; }
        reference operator[](difference_type n) const { return *at_[n]; }
        basic_iterator& operator++() {
            ++at_;
            return *this;
        }
        basic_iterator operator++(int) { return basic_iterator(at_++); }
        basic_iterator& operator--() {
            --at_;
            return *this;
        }
        basic_iterator operator--(int) { return basic_iterator(at_--); }
        basic_iterator& operator+=(difference_type n) {
            at_ += n;
            return *this;
        }
        basic_iterator& operator-=(difference_type n) {
            at_ -= n;
            return *this;
        }
        friend basic_iterator operator+(basic_iterator it, difference_type n) { return it += n; }
        friend basic_iterator operator+(difference_type n, basic_iterator it) { return it += n; }
        friend basic_iterator operator-(basic_iterator it, difference_type n) { return it -= n; }
        friend difference_type operator-(const basic_iterator& a, const basic_iterator& b) {
            return a.at_ - b.at_;
        }
        friend bool operator==(const basic_iterator& a, const basic_iterator& b) {
            return a.at_ == b.at_;
        }
        friend auto operator<=>(const basic_iterator& a, const basic_iterator& b) {
            return a.at_ <=> b.at_;
        }

      private:
        friend class JsonMembers;
        template <bool>
        friend class basic_iterator;
        const Slot* at_ = nullptr;
    };

  public:
    using iterator = basic_iterator<false>;
    using const_iterator = basic_iterator<true>;

    JsonMembers() = default;
    JsonMembers(const JsonMembers& other) { copy_from(other); }
    JsonMembers(JsonMembers&& other) noexcept : index_(std::move(other.index_)) {}
    template <class InputIt>
    JsonMembers(InputIt first, InputIt last) {
        insert(first, last);
    }
    JsonMembers(std::initializer_list<value_type> members) {
        insert(members.begin(), members.end());
    }
    JsonMembers& operator=(const JsonMembers& other) {
        if (this != &other) {
            JsonMembers copy(other);
            swap(copy);
        }
        return *this;
    }
    JsonMembers& operator=(JsonMembers&& other) noexcept {
        JsonMembers taken(std::move(other));
        swap(taken);
        return *this;
    }
    ~JsonMembers() { release(index_.data(), index_.data() + index_.size()); }

    void swap(JsonMembers& other) noexcept { index_.swap(other.index_); }

    // Room for `members` without regrowing the index (defaulting, which adds several at once).
    void reserve(size_type members) { index_.reserve(members); }

    iterator begin() noexcept { return iterator(index_.data()); }
    iterator end() noexcept { return iterator(index_.data() + index_.size()); }
    const_iterator begin() const noexcept { return const_iterator(index_.data()); }
    const_iterator end() const noexcept { return const_iterator(index_.data() + index_.size()); }
    const_iterator cbegin() const noexcept { return begin(); }
    const_iterator cend() const noexcept { return end(); }

    bool empty() const noexcept { return index_.empty(); }
    size_type size() const noexcept { return index_.size(); }
    size_type max_size() const noexcept { return index_.max_size(); }

    void clear() noexcept {
        release(index_.data(), index_.data() + index_.size());
        index_.clear();
    }

    // The first member whose key is not less than `key`.
    template <class K>
    iterator lower_bound(const K& key) {
        return iterator(lower(key));
    }
    template <class K>
    const_iterator lower_bound(const K& key) const {
        return const_iterator(lower(key));
    }

    // Any key that views as a string; a JsonKey ("name"_key) is found by its pointer.
    template <class K>
    iterator find(const K& key) {
        return iterator(locate(key));
    }
    template <class K>
    const_iterator find(const K& key) const {
        return const_iterator(locate(key));
    }
    template <class K>
    size_type count(const K& key) const {
        return locate(key) != end_ptr() ? 1 : 0;
    }
    template <class K>
    bool contains(const K& key) const {
        return locate(key) != end_ptr();
    }

    template <class K>
    Value& at(const K& key) {
        const auto it = find(key);
        if (it == end()) throw std::out_of_range("key not found");
        return it->second;
    }
    template <class K>
    const Value& at(const K& key) const {
        const auto it = find(key);
        if (it == end()) throw std::out_of_range("key not found");
        return it->second;
    }

    Value& operator[](const Key& key) { return emplace(key).first->second; }
    Value& operator[](Key&& key) { return emplace(std::move(key)).first->second; }
    template <class K>
    Value& operator[](K&& key) {
        return emplace(std::forward<K>(key)).first->second;
    }

    // Adds (key, Value(args...)) unless `key` is present; as std::map::emplace.
    template <class K, class... Args>
    std::pair<iterator, bool> emplace(K&& key, Args&&... args) {
        if constexpr (std::is_same_v<std::remove_cvref_t<K>, JsonKey>) {
            // Absent (by pointer) is the usual answer; only then the bytes place it.
            if (const Slot* found = locate(key); found != end_ptr())
                return {iterator(found), false};
            return {insert_at(lower(key) - index_.data(), key, std::forward<Args>(args)...), true};
        }
        const Slot* at = lower(key);
        if (matches(at, key)) return {iterator(at), false};
        return {insert_at(at - index_.data(), std::forward<K>(key), std::forward<Args>(args)...),
                true};
    }
    std::pair<iterator, bool> insert(const value_type& member) {
        return emplace(member.first, member.second);
    }
    std::pair<iterator, bool> insert(value_type&& member) {
        return emplace(member.first, std::move(member.second));
    }
    template <class InputIt>
    void insert(InputIt first, InputIt last) {
        for (; first != last; ++first)
            emplace(first->first, first->second);
    }

    // As emplace, trying `hint` first: right when the key sorts just before it (members added
    // in key order, with end() as the hint, take one comparison).
    template <class K, class... Args>
    iterator emplace_hint(const_iterator hint, K&& key, Args&&... args) {
        const Slot* at = hint.at_;
        const Slot* first = index_.data();
        const Slot* last = first + index_.size();
        const bool fits = (at == last || key_compare{}(view(key), (*at)->first)) &&
                          (at == first || key_compare{}((*(at - 1))->first, view(key)));
        if (!fits) return emplace(std::forward<K>(key), std::forward<Args>(args)...).first;
        return insert_at(at - first, std::forward<K>(key), std::forward<Args>(args)...);
    }

    iterator erase(const_iterator position) {
        const std::size_t i = static_cast<std::size_t>(position.at_ - index_.data());
        release(index_.data() + i, index_.data() + i + 1);
        index_.erase(index_.begin() + static_cast<difference_type>(i));
        relocate();
        return iterator(index_.data() + i);
    }
    iterator erase(iterator position) { return erase(const_iterator(position)); }
    iterator erase(const_iterator first, const_iterator last) {
        const std::size_t from = static_cast<std::size_t>(first.at_ - index_.data());
        const std::size_t to = static_cast<std::size_t>(last.at_ - index_.data());
        release(index_.data() + from, index_.data() + to);
        index_.erase(index_.begin() + static_cast<difference_type>(from),
                     index_.begin() + static_cast<difference_type>(to));
        relocate();
        return iterator(index_.data() + from);
    }
    template <class K>
    size_type erase(const K& key) {
        const auto it = find(key);
        if (it == end()) return 0;
        erase(it);
        return 1;
    }

    friend bool operator==(const JsonMembers& a, const JsonMembers& b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }
    // Member by member, as std::map's: what JSON's <=> on two objects uses.
    friend auto operator<=>(const JsonMembers& a, const JsonMembers& b) {
        return std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end());
    }

  private:
    static std::string_view view(std::string_view key) { return key; }
    static std::string_view view(const JsonKey& key) { return key.name(); }

    const Slot* end_ptr() const { return index_.data() + index_.size(); }

    // The member with `key`, or end_ptr(): a JsonKey by pointer (locate_stored), any other key
    // by bytes (locate_bytes: a small object is scanned, most keys differ in length, which
    // rejects them in one comparison, where a binary search compares bytes at every step).
    template <class K>
    [[gnu::always_inline]] const Slot* locate(const K& key) const {
        if constexpr (std::is_same_v<K, JsonKey>)
            return locate_stored(key);
        else
            return locate_bytes(view(key));
    }

    // A JsonKey's member: in an object of up to kPointerScanned members (a pod's largest has a
    // dozen), the key pointers are compared, one load and one comparison per member; this
    // part is small enough to inline where it is used. Larger objects, and keys the table
    // did not take, are searched by bytes out of line.
    [[gnu::always_inline]] const Slot* locate_stored(const JsonKey& key) const {
        const std::string* stored = key.stored();
        if (stored == nullptr || index_.size() > kPointerScanned) return locate_out_of_line(key);
        const Slot* const last = end_ptr();
        for (const Slot* at = index_.data(); at != last; ++at)
            if (&(*at)->first == stored) return at;
        return last;
    }
    [[gnu::noinline]] const Slot* locate_out_of_line(const JsonKey& key) const {
        return locate_bytes(key.name());
    }

    [[gnu::always_inline]] const Slot* locate_bytes(std::string_view k) const {
        const Slot* const last = end_ptr();
        if (index_.size() <= kScanned) {
            for (const Slot* at = index_.data(); at != last; ++at) {
                const std::string& name = (*at)->first;
                if (name.size() == k.size() && compare_bytes(name, k) == 0) return at;
            }
            return last;
        }
        const Slot* at = lower(k);
        return at != last && !key_compare{}(k, (*at)->first) ? at : last;
    }

    template <class K>
    [[gnu::always_inline]] const Slot* lower(const K& key) const {
        const std::string_view k = view(key);
        const Slot* first = index_.data();
        std::size_t count = index_.size();
        while (count > 0) {  // std::lower_bound, with the comparison inlined
            const std::size_t half = count / 2;
            if (key_compare{}(first[half]->first, k)) {
                first += half + 1;
                count -= half + 1;
            } else {
                count = half;
            }
        }
        return first;
    }
    // Whether the member at `at`, which lower() found (so its key is not less than `key`),
    // has the key: one more inlined comparison, no call to memcmp.
    template <class K>
    bool matches(const Slot* at, const K& key) const {
        return at != end_ptr() && !key_compare{}(view(key), (*at)->first);
    }

    template <class K, class... Args>
    iterator insert_at(std::size_t i, K&& key, Args&&... args) {
        Owned member = make_member(std::forward<K>(key), std::forward<Args>(args)...);
        if (index_.capacity() == 0) index_.reserve(kFirstCapacity);
        index_.insert(index_.begin() + static_cast<difference_type>(i), member.get());
        (void)member.release();  // now the index's
        relocate();
        return iterator(index_.data() + i);
    }

    // SIM_JSON_CHECKED: a new array after every change, so a stale iterator reads freed memory.
    void relocate() {
#ifdef SIM_JSON_CHECKED
        std::vector<Slot> moved;
        moved.reserve(index_.capacity());
        moved.assign(index_.begin(), index_.end());
        index_.swap(moved);
#endif
    }

    void copy_from(const JsonMembers& other) {
        index_.reserve(other.size());
        try {
            for (const Slot member : other.index_)  // reserved: push_back cannot throw
                index_.push_back(copy_member(*member).release());
        } catch (...) {  // from a constructor: no destructor frees what was copied
            clear();
            throw;
        }
    }

    // A member (key, Value(args...)), its key in the table when the table takes it.
    template <class K, class... Args>
    static Owned make_member(K&& key, Args&&... args) {
        const Key* stored = nullptr;
        if constexpr (std::is_same_v<std::remove_cvref_t<K>, JsonKey>)
            stored = key.stored();  // interned when the JsonKey was made
        else if constexpr (std::is_same_v<std::remove_cvref_t<K>, Key>)
            stored = JsonKeys::table().intern(key);  // no hashing for a key of the table's
        else
            stored = JsonKeys::table().intern(view(key));
        std::unique_ptr<const Key> own;
        if (stored == nullptr) {
            if constexpr (std::is_same_v<std::remove_cvref_t<K>, JsonKey>)
                own = std::make_unique<const Key>(key.name());
            else
                own = std::make_unique<const Key>(std::forward<K>(key));
            stored = own.get();
        }
        Owned member(
            std::make_unique<value_type>(std::piecewise_construct, std::forward_as_tuple(*stored),
                                         std::forward_as_tuple(std::forward<Args>(args)...))
                .release());
        (void)own.release();  // now the member's
        return member;
    }

    // A copy of `member`: a key in the table is shared, a key of the member's own is copied.
    static Owned copy_member(const value_type& member) {
        if (!JsonKeys::table().holds(&member.first))
            return make_member(member.first, member.second);
        return Owned(std::make_unique<value_type>(member.first, member.second).release());
    }

    // Objects up to this size are scanned by locate_bytes() rather than searched.
    static constexpr std::size_t kScanned = 8;
    // ... and up to this size by locate_stored(), which compares one pointer per member.
    static constexpr std::size_t kPointerScanned = 16;
    // Most objects have a handful of members; four spares the first few regrowths.
    static constexpr std::size_t kFirstCapacity = 4;

    // Frees the members in [first, last), which the caller then drops from the index.
    static void release(const Slot* first, const Slot* last) noexcept {
        for (; first != last; ++first)
            Release{}(*first);
    }

    std::vector<Slot> index_;  // the members, in key order
};

}  // namespace sim
