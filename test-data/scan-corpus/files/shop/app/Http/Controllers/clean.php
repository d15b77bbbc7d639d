// clean (generated)
<?php
namespace App\Http\Controllers;
use Illuminate\Http\Request;
class CartController extends Controller
{
    public function index(Request $request) { return view("cart"); }
}
